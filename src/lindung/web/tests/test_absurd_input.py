"""No request makes Lindung answer a server error (5xx): every route of the URL resolver, as each role of the demo
and as a visitor, with absurd values in every parameter its pages and its view take.

1. Load a small demo (one user per role, both programmes, workers, enrolments in every status, invoices,
   payments, claims) and one import with a rejected row.
2. Discover: as each role, GET every route: its bare path, the URLs the pages showed (one per set of query
   keys), and real objects of the route's app (one per status); read each page's links and forms; repeat
   while new routes turn up.
3. Baseline: POST plausible values (the page's own, else one by kind) to every route that takes POSTs, as
   each role and object its GET did not refuse.
4. Absurd values (``crawl``): each typed parameter in turn gets the absurd values of its kind while the others
   keep plausible ones (``ALONE``: a valid-looking 9999-12-31 must reach the service to crash it); selects,
   bounded texts and checkboxes get theirs all at once (``TOGETHER``: their form field refuses them whatever
   the rest); every parameter at once gets each of ``EVERYWHERE`` (NUL, invalid UTF-8, 5,000 characters,
   markup, format strings), repeated, and as PHP-style arrays. These requests are dealt out round robin over
   the roles and objects whose baseline worked, else those that reached the view; every other role sends
   one too. Path parameters get absurd ids and texts, from every role.
5. Fail on any 5xx or exception (streamed files are read to the end), each listed with role, method, URL and
   body; on a route no request reached (every answer 403, 404, 405 or the login page) unless
   ``UNREACHABLE`` says why; and on a route a role never requested.

Every request runs in a savepoint rolled back afterwards: a request that succeeds (a payment recorded, a
claim paid) does not change what the next one sees, and a database error cannot spoil the ones after it.
The session and CSRF cookies are put back before each request, so a logout or a rotated token changes nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.template.base import Template
from django.test import Client
from django.urls import Resolver404, path, resolve
from django.utils import timezone

from lindung.accounts.api_access import api_client_create, personal_token_create
from lindung.accounts.models import User
from lindung.audit.models import AuditEntry
from lindung.demo.services import DEMO_USERS
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.pdp.breach import Criteria, breach_people_find, breach_record
from lindung.pdp.letters import breach_letters_request, breach_letters_write
from lindung.pdp.models import PersonRequest, RequestKind
from lindung.pdp.person_requests import access_document_produce, access_request_give, person_request_register
from lindung.pdp.services import legal_hold_set
from lindung.programmes.models import Programme
from lindung.testing import Cast, client_for, load_small_demo, make_worker
from lindung.web.middleware import JsonLines, RequestIdFilter
from lindung.web.tests.crawl import (
    EVERYWHERE,
    HUGE,
    PageParser,
    Pairs,
    Param,
    Route,
    absurd_requests,
    encode,
    merge,
    query_params,
    routes,
    shaped,
    view_params,
)
from lindung.workers.models import Heir, Worker

VISITOR = "visitor"
ROLES = (*(u.username for u in DEMO_USERS), VISITOR)
LOGIN_PATH = "/masuk/"
# Objects per route and role whose pages are crawled: enough for one object in each status.
MAX_OBJECTS = 6
# Links to one route that differ in the keys of their query (a filter, a drill-down) crawled per route and role.
SHAPES = 3
# Routes no request can reach, with the reason; the test fails on any other unreached route.
UNREACHABLE = {
    "admin/(?P<url>.*)$": "Django admin's catch-all: a 404 (or the admin's login) for any path no other route takes",
}
PATH_IDS = ["0", str(2**31), HUGE, str(10**30)]
PATH_TEXTS = ["x" * 300, "NaN", "..", "%00"]


@dataclass
class Answer:
    role: str
    method: str
    url: str
    body: str  # as sent, without the CSRF token
    status: int
    location: str  # where a redirect leads
    error: str  # what the view raised, if anything

    @property
    def reached(self) -> bool:
        """The view ran: not refused, missing, the wrong method or a visitor sent to log in."""
        return self.status not in (403, 404, 405) and not self.to_login

    @property
    def to_login(self) -> bool:
        return self.status in (301, 302) and self.location.startswith(LOGIN_PATH)

    @property
    def worked(self) -> bool:
        """The plausible request did what it asks (a page, or a redirect after a write)."""
        return self.reached and self.status in (200, 301, 302, 303)

    def __str__(self) -> str:
        body = f" body={self.body[:300]}" if self.body else ""
        return f"{self.status} as {self.role}: {self.method.upper()} {self.url[:300]}{body}\n      {self.error}"


# A statement that changes a table; the session's own table is the browser's state (a language chosen, a search
# kept under a key), not the application's data.
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|TRUNCATE|CREATE|ALTER|DROP)\b", re.IGNORECASE)
_SESSION_TABLE = re.compile(r"\bdjango_session\b")


def _recording_writes(writes: list[str]) -> Callable[..., Any]:
    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if _WRITE.match(sql) and not _SESSION_TABLE.search(sql):
            writes.append(sql[:200])
        return execute(sql, params, many, context)

    return record


class Crawl:
    def __init__(self) -> None:
        self.routes = routes()
        self.clients: dict[str, Client] = {}
        self.cookies: dict[str, dict[str, str]] = {}
        self.answers: list[Answer] = []
        self.failures: list[Answer] = []
        self.reached: set[str] = set()
        self.requested: set[tuple[str, str]] = set()  # (route, role)
        # Per route: the URLs (path and query) each role was shown, and the answers to them.
        self.found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.fetched: dict[tuple[str, str], Answer] = {}
        # Per route: the answers to the discovering GETs and to the plausible POSTs.
        self.gets: dict[str, list[Answer]] = defaultdict(list)
        self.posts: dict[str, list[Answer]] = defaultdict(list)
        self._ids: dict[str, list[dict[str, str]]] = {}
        self._view_params: dict[str, dict[str, list[Param]]] = {}
        self.discovering = True
        self.html_params: dict[tuple[str, str], list[Param]] = defaultdict(list)
        # The writes a GET made (role, URL, statement): a page only reads.
        self.get_writes: list[tuple[str, str, str]] = []
        for role in ROLES:
            self._sign_in(role)

    # --- sending ------------------------------------------------------------------------------------------

    def _sign_in(self, role: str) -> None:
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        if role != VISITOR:
            client.force_login(User.objects.get(username=role))
        client.get(LOGIN_PATH)  # sets the CSRF cookie
        # Half the roles read the pages in English, half in Indonesian.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en" if ROLES.index(role) % 2 else "id"
        self.clients[role] = client
        self.cookies[role] = {name: morsel.value for name, morsel in client.cookies.items()}
        assert settings.CSRF_COOKIE_NAME in self.cookies[role], "no CSRF cookie: POSTs would all be refused"

    def send(self, role: str, method: str, url: str, pairs: Pairs | None = None) -> Answer:
        """One request in a savepoint rolled back afterwards; a 5xx or an exception is recorded as a failure."""
        client = self.clients[role]
        client.cookies.clear()
        for name, value in self.cookies[role].items():
            client.cookies[name] = value
        body = encode(pairs or []) if method == "post" else ""
        if method == "post":
            token = [("csrfmiddlewaretoken", self.cookies[role][settings.CSRF_COOKIE_NAME])]
            sent = "&".join(part for part in (encode(token), body) if part)
        elif pairs is not None:
            url = f"{url.split('?')[0]}?{encode(pairs)}"
        error, status, location, content_type, content = "", 0, "", "", b""
        response: Any
        writes: list[str] = []
        with transaction.atomic(), connection.execute_wrapper(_recording_writes(writes)):
            try:
                if method == "get":
                    response = client.get(url)
                else:
                    response = client.generic(
                        "POST", url, sent.encode(), content_type="application/x-www-form-urlencoded"
                    )
                status, location = response.status_code, response.get("Location", "")
                content_type = response.get("Content-Type", "")
                # A streamed file fails while it is read, not when the view returns.
                content = b"".join(response.streaming_content) if response.streaming else response.content
                if response.exc_info:
                    error = f"{response.exc_info[0].__name__}: {response.exc_info[1]}"
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
            transaction.set_rollback(True)
        answer = Answer(role, method, url, body, status, location, error)
        self.answers.append(answer)
        if method == "get":
            self.get_writes += [(role, url, sql) for sql in writes]
        # /readyz answers 503 by design while no task worker beats (none does in the tests): its answer, not a failure.
        readiness = status == 503 and urlsplit(url).path == "/readyz" and not error
        if (status >= 500 and not readiness) or error:
            self.failures.append(answer)
        try:
            match = resolve(unquote(urlsplit(url).path))
        except Resolver404:
            return answer
        self.requested.add((match.route, role))
        if answer.reached:
            self.reached.add(match.route)
        # Pages are read while discovering only: a page answering absurd values shows them back in its links.
        if self.discovering and method == "get" and status == 200 and "html" in content_type:
            self._read_page(role, url, content.decode(errors="replace"))
        return answer

    # --- discovering ----------------------------------------------------------------------------------------

    def _read_page(self, role: str, url: str, html: str) -> None:
        parser = PageParser(urlsplit(url).path)
        parser.feed(html)
        for link in parser.links:
            route = self._route_of(link)
            if route is not None and link not in self.found[route.key][role]:
                self.found[route.key][role].append(link)
                self.html_params[(route.key, "get")] += query_params(urlsplit(link).query)
        for form in parser.forms:
            route = self._route_of(form.action)
            if route is None:
                continue
            if form.action not in self.found[route.key][role]:
                self.found[route.key][role].append(form.action)
            method = "post" if form.method == "post" else "get"
            self.html_params[(route.key, method)] += [p for p in form.params if p.name != "csrfmiddlewaretoken"]

    def _route_of(self, url: str) -> Route | None:
        try:
            match = resolve(unquote(urlsplit(url).path))
        except Resolver404:
            return None
        route = self.routes.get(match.route)
        assert route is not None, f"{url} resolves to {match.route!r}, which routes() did not find"
        return route

    def discover(self) -> None:
        """GET each route as each role, filled from what the pages showed so far, until nothing new turns up."""
        for _round in range(4):
            todo = [
                (role, url) for role in ROLES for url in self._all_instances(role) if (role, url) not in self.fetched
            ]
            if not todo:
                break
            for role, url in todo:
                self.fetched[(role, url)] = self.send(role, "get", url)
        for (_role, url), answer in self.fetched.items():
            route = self._route_of(url)
            assert route is not None, url
            self.gets[route.key].append(answer)
        self.discovering = False

    def _all_instances(self, role: str) -> list[str]:
        return [url for route in self.routes.values() for url in self.instances(route, role)]

    def instances(self, route: Route, role: str) -> list[str]:
        """The URLs of ``route`` crawled as ``role``: its bare path (when it has no parameters), one URL its pages
        showed per set of query keys (a filter, a drill-down), then real objects of its app. Of the URLs shown
        with the same keys each role takes another (another report, another format), so that the roles
        between them see the variety without each of them fetching all of it."""
        urls = [] if route.params or route.regex else [route.path({}) or ""]
        shapes: dict[frozenset[str], list[str]] = defaultdict(list)
        # A role shown no link to the route (the admin's list of an app, to a role without the admin) follows
        # the links shown to the others.
        shown = self.found[route.key][role] or [url for links in self.found[route.key].values() for url in links]
        for url in shown:
            shapes[frozenset(p.name for p in query_params(url.partition("?")[2]))].append(url)
        turn = ROLES.index(role)
        urls += [same[turn % len(same)] for same in list(shapes.values())[:SHAPES]]
        for values in self.object_ids(route):
            filled = route.path(values)
            if len(urls) < MAX_OBJECTS and filled is not None and filled not in urls:
                urls.append(filled)
        return list(dict.fromkeys(urls))

    def object_ids(self, route: Route) -> list[dict[str, str]]:
        if route.key not in self._ids:
            self._ids[route.key] = object_ids(route)
        return self._ids[route.key]

    # --- absurd values --------------------------------------------------------------------------------------

    def params(self, route: Route, method: str) -> list[Param]:
        if route.key not in self._view_params:
            self._view_params[route.key] = view_params(route.view)
        return merge(self.html_params[(route.key, method)], self._view_params[route.key][method])

    def takes_posts(self, route: Route) -> bool:
        """The route has POST parameters, or only takes POSTs (its GET answered 405)."""
        return bool(self.params(route, "post")) or any(a.status == 405 for a in self.gets[route.key])

    def baseline_posts(self) -> None:
        """Plausible values POSTed as each role to each object its GET did not refuse (a POST-only route's
        GET answers 405, which refuses nothing)."""
        for route in self.routes.values():
            if not self.takes_posts(route):
                continue
            plausible: Pairs = [(p.name, p.plausible) for p in self.params(route, "post") if p.plausible]
            for answer in self.gets[route.key]:
                if answer.reached or answer.status == 405:
                    self.posts[route.key].append(self.send(answer.role, "post", answer.url.split("?")[0], plausible))

    def absurd(self) -> None:
        for route in self.routes.values():
            self._deal(route, "get", self.params(route, "get"), self.gets[route.key])
            if self.takes_posts(route):
                self._deal(route, "post", self.params(route, "post"), self.posts[route.key] or self.gets[route.key])
            self._absurd_paths(route)

    def _deal(self, route: Route, method: str, params: list[Param], answers: list[Answer]) -> None:
        """Each absurd request once, dealt out over the roles and objects whose plausible request worked."""
        targets = [a for a in answers if a.worked] or [a for a in answers if a.reached] or answers
        if not targets:
            return
        # Round robin over roles first, so that consecutive requests come from different roles.
        by_role: dict[str, list[Answer]] = defaultdict(list)
        for answer in targets:
            by_role[answer.role].append(answer)
        dealt = [a for group in itertools.zip_longest(*by_role.values()) for a in group if a is not None]
        for index, pairs in enumerate(absurd_requests(params)):
            target = dealt[index % len(dealt)]
            self.send(target.role, method, target.url.split("?")[0], pairs)
        # Every other role too, once, with every parameter absurd.
        url = targets[0].url.split("?")[0]
        for index, role in enumerate(r for r in ROLES if r not in by_role):
            self.send(role, method, url, shaped(params, EVERYWHERE[(index + 1) % len(EVERYWHERE)]))

    def _absurd_paths(self, route: Route) -> None:
        """Each path parameter in turn absurd (the others real), GET and POST; every role sends at least one."""
        if route.regex or not route.params:
            return
        real = next(iter(self.object_ids(route)), None) or {}
        paths: list[str] = []
        for name, converter in route.params:
            for value in PATH_IDS if converter in ("int", "path") else PATH_TEXTS:
                paths.append(route.path({**{n: real.get(n, "x") for n, _c in route.params}, name: value}) or "")
        for index in range(max(len(paths), len(ROLES))):
            role, path = ROLES[index % len(ROLES)], paths[index % len(paths)]
            self.send(role, "get", path)
            self.send(role, "post", path, [])


def object_ids(route: Route) -> list[dict[str, str]]:
    """Path parameters filled with real ids: the objects of the route's app (one per status), and for a
    parameter named ``<model>_id`` that model's."""
    names = [name for name, converter in route.params if converter in ("int", "path")]
    if not names or len(names) != len(route.params):
        return []
    view = getattr(route.view, "view_class", route.view)
    app = apps.get_containing_app_config(view.__module__)
    if app is None:
        return []
    ids: list[str] = []
    wanted = names[0].removesuffix("_id").replace("_", "")
    named = [m for m in apps.get_models() if m.__name__.lower() == wanted]
    for model in named or list(app.get_models()):
        ids += [i for i in representative_ids(model) if i not in ids]
    return [dict.fromkeys(names, i) for i in ids]


def representative_ids(model: type[models.Model]) -> list[str]:
    """One row per status when the model has one, else the first and the last (integer keys only)."""
    if not isinstance(model._meta.pk, models.IntegerField):
        return []
    manager = model._default_manager
    field_names = {f.name for f in model._meta.get_fields()}
    if "status" in field_names:
        rows = manager.order_by().values("status").annotate(first=Min("pk")).values_list("first", flat=True)
        return [str(pk) for pk in sorted(rows)][:MAX_OBJECTS]
    first = manager.order_by("pk").values_list("pk", flat=True).first()
    last = manager.order_by("-pk").values_list("pk", flat=True).first()
    return [str(pk) for pk in dict.fromkeys((first, last)) if pk is not None]


@pytest.fixture
def crawl_data(db: None, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The small demo, an import with a rejected row, and pages rendered as in production: the test runner
    makes every template render copy its context for ``response.context``, a third of the crawl's time
    for pages of many widgets, and the crawl never reads it."""
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
    settings.LINDUNG_PUBLIC_CHECK_MS = 0  # the public check's padding would add 0.4 s to each of its requests
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    running = load_small_demo(workers=120, seed=3)
    batch = ImportBatch(
        programme=Programme.objects.get(code=running),
        uploaded_by=User.objects.get(username="operator_sambas"),
        region_code="61.01",
        file_name="usulan.csv",
        status=ImportStatus.COMPLETED,
        rows=1,
        rejected=1,
        errors=[{"row": 2, "column": "NIK", "message": "NIK tidak sah"}],
    )
    batch.source.save("usulan.csv", ContentFile(b"NIK,Nama\n123,Budi\n"), save=False)
    batch.save()
    # An API client and a personal token, so that their revoke routes have something of their own to revoke.
    admin = User.objects.get(username="admin_provinsi")
    api_client_create(actor=admin, name="OpenSID Kabupaten Sambas", region_code="61.01", scopes=["registry.read"])
    personal_token_create(user=admin, name="Skrip laporan", scopes=["figures"], days=30)
    # Requests of the person: an access request answered (its page offers the document again) and one open request
    # of each kind, so that each step of a request's page has its form. The crawl fills a request's id with
    # the first of each status: the answered access request, and the open correction (the only kind with a form
    # page of its own).
    desa, officer = User.objects.get(username="operator_desa"), User.objects.get(username="pejabat_pdp")
    assert desa.region_id is not None
    worker = make_worker(village=desa.region_id, name="Rahmat Hidayat", phone="+6281234567890")

    def register(kind: str) -> PersonRequest:
        return person_request_register(
            actor=desa, nik=worker.nik, birth_date=worker.birth_date, phone=worker.phone, kind=kind
        )

    given = register(RequestKind.ACCESS)
    access_document_produce(actor=officer, worker=worker, fmt="json", request=given)
    access_request_give(actor=officer, request=given)
    for kind in sorted(RequestKind.values, key=lambda kind: kind != RequestKind.CORRECTION):
        register(kind)
    # A legal hold, so that its lift route has one of its own to lift.
    legal_hold_set(
        actor=User.objects.get(username="pejabat_pdp"), worker=Worker.objects.order_by("pk")[0], reason="Sengketa"
    )
    # An incident with its people found and letters written, so that its downloads and forms are reached.
    officer = User.objects.get(username="pejabat_pdp")
    breach = breach_record(
        actor=officer,
        what="Salinan daftar peserta terkirim ke grup percakapan keliru.",
        found_at=timezone.now() - dt.timedelta(hours=2),
        systems="Lindung",
        data_kinds=["identity"],
        remedy="Pesan dihapus.",
        contact="Pejabat pelindungan data pribadi",
    )
    first = Worker.objects.order_by("pk").values_list("village_id", flat=True).first()
    breach = breach_people_find(actor=officer, breach=breach, criteria=Criteria(region=first or "61"))
    breach_letters_request(actor=officer, breach=breach, enqueue=False)
    breach_letters_write(breach_id=breach.pk)


@pytest.fixture
def quiet_request_log() -> Iterator[None]:
    """Django logs every 4xx and 5xx with its traceback; the test lists the 5xx itself."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security.csrf")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.usefixtures("quiet_request_log")
def test_no_route_answers_a_server_error_to_absurd_input_as_any_role(crawl_data: None) -> None:
    started = time.monotonic()
    crawl = Crawl()
    crawl.discover()
    discovered = len(crawl.answers)
    crawl.baseline_posts()
    baseline = len(crawl.answers) - discovered
    crawl.absurd()
    summary = (
        f"{len(crawl.answers)} requests in {time.monotonic() - started:.0f} s: {discovered} discovering, "
        f"{baseline} plausible POSTs, {len(crawl.answers) - discovered - baseline} absurd"
    )
    assert not crawl.get_writes, f"writes on GET ({summary}): {crawl.get_writes[:20]}"
    if crawl.failures:
        failures = "\n".join(f"  {answer}" for answer in crawl.failures[:80])
        pytest.fail(f"{len(crawl.failures)} server errors ({summary}):\n{failures}", pytrace=False)
    unreached = sorted(set(crawl.routes) - crawl.reached - set(UNREACHABLE))
    assert not unreached, f"routes no request reached ({summary}): {unreached}"
    crawled = set(crawl.routes) - set(UNREACHABLE)
    unasked = sorted((key, role) for key in crawled for role in ROLES if (key, role) not in crawl.requested)
    assert not unasked, f"routes a role never requested ({summary}): {unasked}"


@pytest.mark.usefixtures("quiet_request_log")
def test_no_get_request_writes_to_the_database_as_any_role(crawl_data: None) -> None:
    """Every route, as each role and a visitor, with the values its pages show: a GET only reads (no audit entry
    of a download, no record expired by a page view, no counter)."""
    crawl = Crawl()
    crawl.discover()

    assert len(crawl.fetched) > 100 and len(crawl.reached) > len(crawl.routes) / 2
    writes = "\n".join(f"  {role}: GET {url[:120]}\n      {sql}" for role, url, sql in crawl.get_writes[:40])
    assert not crawl.get_writes, f"{len(crawl.get_writes)} writes on GET:\n{writes}"


# --- the crawl itself can fail ----------------------------------------------------------------------------------


def _crashes_on_the_last_day(request: HttpRequest) -> HttpResponse:
    if "9999-12-31" in request.GET.getlist("day"):
        raise OverflowError("date value out of range")
    return HttpResponse('<form><input type="date" name="day"></form><a href="/file/">file</a><a href="/writes/">w</a>')


def _breaks_while_streamed(request: HttpRequest) -> StreamingHttpResponse:
    def rows() -> Iterator[bytes]:
        yield b"first row\n"
        raise ValueError("the second row is broken")

    return StreamingHttpResponse(rows())


def _writes_on_get(request: HttpRequest) -> HttpResponse:
    AuditEntry.objects.create(action="page.seen")
    return HttpResponse("")


def _sets_the_csrf_cookie(request: HttpRequest) -> HttpResponse:
    get_token(request)
    return HttpResponse("")


urlpatterns = [
    path("masuk/", _sets_the_csrf_cookie),
    path("page/", _crashes_on_the_last_day),
    path("file/", _breaks_while_streamed),
    path("writes/", _writes_on_get),
]


@pytest.mark.urls(__name__)
@pytest.mark.usefixtures("quiet_request_log")
def test_the_crawl_reports_a_view_that_raises_and_a_file_that_breaks_while_it_streams(cast: Cast) -> None:
    crawl = Crawl()
    crawl.discover()
    crawl.baseline_posts()
    crawl.absurd()
    failures = {(urlsplit(answer.url).path, answer.error.split(":")[0]) for answer in crawl.failures}
    assert failures == {("/page/", "OverflowError"), ("/file/", "ValueError")}
    assert {"page/", "file/", "writes/"} <= crawl.reached
    assert {(urlsplit(url).path, sql.split()[0].upper()) for _role, url, sql in crawl.get_writes} == {
        ("/writes/", "INSERT")
    }


class _Captured(logging.Handler):
    """Every log line as the installation writes it (the JSON format, tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[str] = []
        self.setFormatter(JsonLines("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"))
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_the_logs_of_every_route_and_its_plausible_posts_hold_nothing_personal(crawl_data: None) -> None:
    """Every route as each role, then the forms posted with the values the pages show (logins, searches by NIK,
    proposals, uploads, the public check): no NIK, name or phone number of a worker or heir reaches the log."""
    captured = _Captured()
    root = logging.getLogger()
    root.addHandler(captured)
    try:
        crawl = Crawl()
        crawl.discover()
        crawl.baseline_posts()
        # And what a person types that Django logs with the request: a NIK in the query of a page that is not
        # found, a NIK as a user name, the public check with a real NIK.
        worker = Worker.objects.exclude(phone="").order_by("pk").first()
        assert worker is not None
        admin = client_for(User.objects.get(username="admin_provinsi"), "id")
        assert admin.get(f"/pekerja/0/?q={worker.nik}&telp={worker.phone}").status_code == 404
        client_for(None, "id").post("/masuk/", {"username": worker.nik, "password": worker.name})
        client_for(None, "id").post(
            "/cek-status/", {"nik": worker.nik, "birth_date": worker.birth_date.isoformat(), "name": worker.name}
        )
    finally:
        root.removeHandler(captured)
    text = "\n".join(captured.lines)
    assert captured.lines, "nothing was logged: the check would prove nothing"
    # The lines of a request carry its id (Django's own 4xx warnings, written after the middleware, included).
    assert any('"logger": "django.request"' in line and '"request_id": "-"' not in line for line in captured.lines)
    personal = {nik for nik in Worker.objects.values_list("nik", flat=True)}
    personal |= {nik for nik in Heir.objects.exclude(nik="").values_list("nik", flat=True)}
    personal |= {name for name in Worker.objects.values_list("name", flat=True) if " " in name}
    personal |= {phone for phone in Worker.objects.exclude(phone="").values_list("phone", flat=True)}
    assert len(personal) > 100
    found = sorted(value for value in personal if value in text)
    assert not found, f"personal data in {len(captured.lines)} log lines: {found[:10]}"
