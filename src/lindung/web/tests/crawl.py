"""What the absurd-input crawl requests and sends (``test_absurd_input`` drives it).

Nothing here is a hand list of pages or fields, so that a new page is crawled without anybody remembering to:

- the routes come from the URL resolver (``routes``);
- the parameters of a route come from the pages themselves (the forms whose action is the route, the query of
  every link to it: ``PageParser``) and from its view's code (``view_params``: the forms it binds to
  ``request.GET``/``request.POST``, the keys it reads from them, one call deep into its module's helpers);
- the values are families of absurd values chosen by what a parameter holds (a date, a month, a number, an id,
  text: ``ALONE``, ``TOGETHER``), and values sent in every parameter at once (``EVERYWHERE``).
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote_from_bytes, unquote, urljoin, urlsplit

from django import forms
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import timezone

# --- the routes ------------------------------------------------------------------------------------------

_CONVERTERS = {"IntConverter": "int", "StringConverter": "str", "SlugConverter": "slug", "PathConverter": "path"}
_PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern. ``key`` is the resolver's own text for it (``ResolverMatch.route``)."""

    key: str
    name: str
    params: tuple[tuple[str, str], ...]  # (parameter, converter: int, str, slug, path or regex)
    view: Callable[..., Any]
    regex: bool  # a ``re_path`` (the admin's): its parameters are only filled from links the pages show

    def path(self, values: Mapping[str, str]) -> str | None:
        """The path with each parameter replaced by its (percent-encoded) value; None for a regex route."""
        if self.regex:
            return None
        return "/" + _PLACEHOLDER.sub(lambda m: quote_from_bytes(values[m.group(1)].encode(), safe=""), self.key)


def _join(prefix: str, route: str) -> str:
    """As Django joins an include's route to its patterns' for ``ResolverMatch.route`` (the test checks that the
    two agree for every URL it follows)."""
    return prefix + route.removeprefix("^") if prefix else route


def routes() -> dict[str, Route]:
    """Every URL pattern of the project, by its route text."""
    found: dict[str, Route] = {}

    def walk(patterns: Iterable[Any], prefix: str, namespace: str, params: dict[str, str], regex: bool) -> None:
        for pattern in patterns:
            key = _join(prefix, str(pattern.pattern))
            is_regex = regex or not isinstance(pattern.pattern, RoutePattern)
            if isinstance(pattern.pattern, RoutePattern):
                own = {n: _CONVERTERS.get(type(c).__name__, "str") for n, c in pattern.pattern.converters.items()}
            else:
                own = dict.fromkeys(pattern.pattern.regex.groupindex, "regex")
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
                walk(pattern.url_patterns, key, inner, {**params, **own}, is_regex)
            else:
                assert isinstance(pattern, URLPattern)
                name = ":".join(part for part in (namespace, pattern.name or "") if part) if pattern.name else ""
                found[key] = Route(key, name, tuple({**params, **own}.items()), pattern.callback, is_regex)

    walk(get_resolver().url_patterns, "", "", {}, False)
    return found


# --- the pages: links and forms ---------------------------------------------------------------------------


@dataclass
class Param:
    """A parameter a route takes: its name, what it holds, and a value a person would send."""

    name: str
    kind: str  # date, month, number, time, choice, text, checkbox, file, any
    plausible: str = ""


@dataclass
class HtmlForm:
    method: str
    action: str  # absolute path, query dropped
    params: list[Param] = field(default_factory=list)


_INPUT_KINDS = {
    "date": "date",
    "month": "month",
    "number": "number",
    "time": "time",
    "checkbox": "checkbox",
    "radio": "choice",
    "hidden": "hidden",  # an id or a code put there by the page
    "file": "file",
}


class PageParser(HTMLParser):
    """The same-site links (with their query) and the forms of one HTML page."""

    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.links: list[str] = []
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None  # the form open where the parser is
        self._form_actions: list[str] = []  # its buttons' own targets (formaction), each a form of its own
        self._select: Param | None = None
        self._textarea: Param | None = None

    def _absolute(self, url: str) -> str | None:
        parts = urlsplit(urljoin(self.page_path, url))
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and (href := self._absolute(a.get("href", ""))):
            self.links.append(href)
        elif tag == "form":
            action = self._absolute(a.get("action") or self.page_path) or self.page_path
            self._form = HtmlForm(a.get("method", "get").lower(), action.split("?")[0])
            self._form_actions = []
            self.forms.append(self._form)
            if "?" in action:
                self.links.append(action)
        elif (
            self._form is not None
            and tag in ("button", "input")
            and a.get("formaction")
            and (target := self._absolute(a["formaction"]))
        ):
            # A download button posts the form elsewhere: that target is a form of its own.
            self._form_actions.append(target)
            if "?" in target:
                self.links.append(target)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = _INPUT_KINDS.get(a.get("type", "text").lower(), "text" if "maxlength" in a else "freetext")
            if a.get("type", "").lower() in ("submit", "button", "reset", "image"):
                return
            if kind == "checkbox" and "checked" not in a:
                # Sent only when ticked: a baseline request leaves it out, the absurd values put it in.
                self._form.params.append(Param(a["name"], kind, ""))
                return
            self._form.params.append(Param(a["name"], kind, a.get("value", "")))
        elif tag == "select":
            self._select = Param(a["name"], "choice", "")
            self._form.params.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if value and (not self._select.plausible or "selected" in a):
                self._select.plausible = value
        elif tag == "textarea":
            self._textarea = Param(a["name"], "text" if "maxlength" in a else "freetext", "")
            self._form.params.append(self._textarea)
        elif tag == "button" and a.get("value"):
            self._form.params.append(Param(a["name"], "choice", a["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            if self._form is not None:
                for target in self._form_actions:
                    self.forms.append(HtmlForm(self._form.method, target.split("?")[0], list(self._form.params)))
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.plausible += data.strip()


# --- the views: the parameters their code reads ------------------------------------------------------------

_READS = re.compile(r"""request\.(GET|POST)(?:\.get\(|\[)\s*["'](\w+)["']""")
_IN = re.compile(r"""["'](\w+)["']\s+in\s+request\.(GET|POST)""")
_BINDS = re.compile(r"""(\w+)(\[[^\]]*\])?\(\s*request\.(GET|POST)""")


def _unwrap(view: Callable[..., Any]) -> list[Any]:
    """The functions (or the view class) behind a URL's callback, decorators removed."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return [view_class]
    return [inspect.unwrap(view)]


def _form_classes(value: Any) -> list[type[forms.BaseForm]]:
    values = value.values() if isinstance(value, Mapping) else [value]
    return [v for v in values if isinstance(v, type) and issubclass(v, forms.BaseForm)]


def view_params(view: Callable[..., Any]) -> dict[str, list[Param]]:
    """Parameters the view's code reads, by method: the fields of the forms it binds to ``request.GET`` or
    ``request.POST`` (or its ``form_class``), and the keys it reads from them, also in the functions of its
    own module that it calls (one level)."""
    found: dict[str, list[Param]] = {"get": [], "post": []}
    seen: set[int] = set()

    def read(obj: Any, depth: int) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, type):
            for form_class in _form_classes(getattr(obj, "form_class", None)):
                found["post"] += form_params(form_class)
            for name, member in vars(obj).items():
                if isinstance(member, types.FunctionType) and not name.startswith("__"):
                    read(member, depth)
            return
        try:
            source = inspect.getsource(obj)
        except (OSError, TypeError):
            return
        namespace = getattr(obj, "__globals__", {})
        for method, name in _READS.findall(source):
            found[method.lower()].append(Param(name, "any"))
        for name, method in _IN.findall(source):
            found[method.lower()].append(Param(name, "any"))
        for name, _subscript, method in _BINDS.findall(source):
            for form_class in _form_classes(namespace.get(name)):
                found[method.lower()] += form_params(form_class)
        if depth < 1:
            module = getattr(obj, "__module__", None)
            for name in getattr(getattr(obj, "__code__", None), "co_names", ()):
                helper = namespace.get(name)
                if isinstance(helper, types.FunctionType) and helper.__module__ == module:
                    read(helper, depth + 1)

    for target in _unwrap(view):
        read(target, 0)
    return found


def form_params(form_class: type[forms.BaseForm]) -> list[Param]:
    fields: dict[str, forms.Field] = getattr(form_class, "base_fields", {})
    return [Param(name, field_kind(f), field_plausible(f)) for name, f in fields.items()]


def field_kind(f: forms.Field) -> str:
    if isinstance(f, forms.FileField):
        return "file"
    if isinstance(f.widget, forms.HiddenInput):
        return "hidden"
    if isinstance(f, forms.BooleanField):
        return "checkbox"
    if isinstance(f, forms.ChoiceField | forms.ModelChoiceField):
        return "choice"
    if isinstance(f, forms.DateField):
        return "date"
    if isinstance(f, forms.TimeField):
        return "time"
    if isinstance(f, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "number"
    input_type = getattr(f.widget, "input_type", "")
    if input_type in ("date", "month", "number"):
        return input_type
    return "text" if getattr(f, "max_length", None) else "freetext"


def field_plausible(f: forms.Field) -> str:
    """A value a person would send in this field (the page's own value is preferred when it shows one)."""
    kind = field_kind(f)
    if isinstance(f, forms.ModelChoiceField):
        if f.queryset is None:  # set per user when the form is made
            return ""
        model: type[Model] = f.queryset.model
        key = f.to_field_name or "pk"
        last = model._default_manager.order_by("-pk").values_list(key, flat=True).first()
        return "" if last is None else str(last)
    if isinstance(f, forms.ChoiceField):
        choices: list[tuple[Any, Any]] = list(f.choices)  # type: ignore[arg-type]
        return next((str(v) for v, _label in choices if v not in ("", None)), "")
    if kind == "number":
        low, high = getattr(f, "min_value", None), getattr(f, "max_value", None)
        value = max(10, low or 10)
        return str(min(value, high) if high is not None else value)
    return plausible_for(kind)


def plausible_for(kind: str) -> str:
    today = timezone.localdate()
    return {
        "date": today.isoformat(),
        "month": f"{today:%Y-%m}",
        "number": "10",
        "time": "10:00",
        "checkbox": "on",
        "any": "1",
        "choice": "",
        "hidden": "",
        "file": "",
    }.get(kind, "Uji")


def merge(*sources: Iterable[Param]) -> list[Param]:
    """One parameter per name; a value shown by a page beats a guessed one, a known kind beats ``any``."""
    merged: dict[str, Param] = {}
    for param in (p for source in sources for p in source):
        if param.kind == "file":
            continue
        known = merged.get(param.name)
        if known is None:
            merged[param.name] = Param(param.name, param.kind, param.plausible)
            continue
        if known.kind == "any" and param.kind != "any":
            known.kind = param.kind
        if not known.plausible and param.plausible:
            known.plausible = param.plausible
    for param in merged.values():
        if not param.plausible and param.kind != "checkbox":
            param.plausible = plausible_for(param.kind)
    return list(merged.values())


def query_params(query: str) -> Iterator[Param]:
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name:
            yield Param(unquote(name), "any", unquote(value))


# --- the values --------------------------------------------------------------------------------------------

INVALID_UTF8 = b"\xff\xfe\xc3("
HUGE = str(2**63)
# Sent in one parameter while the others hold plausible values, so that a value the form lets through
# reaches what comes after it (a service, a query, a file). A select's or a bounded text's form field refuses
# what it does not offer or what is too long, whatever the other fields hold: those are sent ``TOGETHER``.
ALONE = {
    "date": ["0001-01-01", "9999-12-31", "1899-12-31"],
    "month": ["0001-01", "9999-12"],
    "number": ["-1", "0", str(2**31), HUGE],
    "time": ["24:00"],
    "hidden": [HUGE, "²"],
    "any": ["0", HUGE, "²", "0001-01-01", "9999-12-31", "9999-12"],
    "freetext": ["x" * 1000],
}
# Sent in every parameter of that kind at once, the others holding plausible values.
TOGETHER = {
    "date": ["2026-02-30", "0000-00-00"],
    "month": ["0000-00", "2026-13"],
    "number": ["1e309", "1.5", str(10**30)],
    "time": ["99:99"],
    "choice": ["-1", HUGE, "²", "x' OR '1'='1"],
    "text": ["x" * 1000, "\U0001d54f" * 300, "'; DROP TABLE x; --"],
    "freetext": ["\U0001d54f" * 300, "'; DROP TABLE x; --"],
    "checkbox": [HUGE],
}
# Sent in every parameter of a request at once: values no field should take (typed values go ``ALONE``).
EVERYWHERE: list[str | bytes] = [
    "",
    "\x00",
    INVALID_UTF8,
    "x" * 5000,
    "<script>alert(1)</script>",
    "%s %(x)s {0} %n",
    "NaN",
]
# A repeated parameter (the plausible value, then absurd ones) and PHP-style arrays.
REPEATED, ARRAYS = "repeated", "arrays"
_ROW = re.compile(r"-(\d+|__prefix__)-")  # a formset's rows, and the empty row its script copies

Pairs = list[tuple[str, str | bytes]]


def absurd_requests(params: list[Param]) -> list[Pairs]:
    """The requests of absurd values for one route and method (``ALONE``, ``TOGETHER``, ``EVERYWHERE``).

    Of a formset's rows only the first is varied one parameter at a time: the others hold the same fields.
    """
    plausible: Pairs = [(p.name, p.plausible) for p in params if p.plausible]
    requests: list[Pairs] = []
    rows: set[str] = set()
    for param in params:
        row = _ROW.sub("-#-", param.name)
        if row in rows:
            continue
        rows.add(row)
        others = [pair for pair in plausible if pair[0] != param.name]
        requests += [[*others, (param.name, value)] for value in ALONE.get(param.kind, [])]
    for kind, values in TOGETHER.items():
        names = sorted({p.name for p in params if p.kind == kind})
        if names:
            others = [pair for pair in plausible if pair[0] not in names]
            requests += [[*others, *((name, value) for name in names)] for value in values]
    requests += [shaped(params, value) for value in (*EVERYWHERE, REPEATED, ARRAYS)] if params else [[]]
    return requests


def shaped(params: list[Param], value: str | bytes) -> Pairs:
    """Every parameter set to ``value``; or the query's own shape broken (``REPEATED``, ``ARRAYS``)."""
    if value == REPEATED:
        return [pair for p in params for pair in ((p.name, p.plausible), (p.name, HUGE), (p.name, "9999-12-31"))]
    if value == ARRAYS:
        return [pair for p in params for pair in ((f"{p.name}[]", p.plausible), (f"{p.name}[0]", "x"), (p.name, ""))]
    return [(p.name, value) for p in params]


def encode(pairs: Iterable[tuple[str, str | bytes]]) -> str:
    """``application/x-www-form-urlencoded``, bytes kept as they are (so invalid UTF-8 travels)."""
    return "&".join(
        f"{quote_from_bytes(k.encode(), safe='[]')}="
        f"{quote_from_bytes(v if isinstance(v, bytes) else v.encode(), safe='')}"
        for k, v in pairs
    )
