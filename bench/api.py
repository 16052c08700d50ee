"""Benchmark the API (issue 18): a worker searched by NIK, and proposals from 4 concurrent clients, over HTTP.

Usage (from the repository root; others benchmark on the same machine, so take the lock)::

    flock /tmp/lindung-bench.lock .venv/bin/python bench/api.py                      # 1,000,000 workers, 3 runs
    flock -s /tmp/lindung-bench.lock .venv/bin/python bench/api.py --workers 20000 --runs 1 --seconds 5 --keep

1. Drops and recreates the database and prepares it with the real CLI (``migrate``, ``regions load --prefix
   61``, ``rules load``); loads N workers (the registry benchmark's generator, one ``COPY``) and two provincial
   programmes open for proposals, each with a roomy quota per regency: *full*, holding an active enrolment of
   every worker but a pool (the billing benchmark's ``COPY``), *empty*, and *lists* (empty too, so that the
   lists' thousands of proposals do not grow *empty* under the single proposals). The pool's workers have no
   enrolment at all: they are the ones proposed (a part for *full*, the rest for *empty*). ``VACUUM (ANALYZE)``.
2. Starts ``lindung serve`` (gunicorn with ``LINDUNG_WEB_WORKERS`` x ``LINDUNG_WEB_THREADS`` and the task worker)
   on a free port, as an installation runs it; registers API clients of the province (``api_client_create``,
   scope ``all``, 100,000 requests a minute) and gets each a token from ``POST /api/v1/oauth/token``; signs in
   web users (a province verifier to search, province administrators to propose) at ``/masuk/``.
3. **Search by NIK**, ``--runs`` passes over ``--niks`` NIKs sampled over the table, each NIK asked in turn
   (the order rotated per NIK, so no kind always comes first to a cold page) as:
   - *API*: ``GET /api/v1/workers?nik=<NIK>`` with the bearer token, on a kept-alive connection;
   - *web*: the worker list's search as a browser sends it: ``POST /pekerja/`` with ``q`` (303 to a key kept in
     the session) then the results page, the two timed together and apart;
   - *raw SQL*: ``SELECT * FROM workers_worker WHERE nik = %s`` on a psycopg connection of this process;
   - two floors of the server: ``GET /api/v1/regions/61`` (the API's door: token, rate limit, one indexed read)
     and ``GET /healthz`` (gunicorn and Django's middleware, no database).
4. **Proposals**, ``--runs`` rounds of ``--seconds`` seconds per kind, each client a thread with its own
   kept-alive connection proposing distinct pool workers as fast as answers come back:
   - *API*: ``--clients`` API clients (one each), ``POST /api/v1/enrolments`` with ``{"worker", "programme"}``
     and an ``Idempotency-Key`` (as a careful client sends it), into *empty*; the same into *full*; and one API
     client shared by the ``--clients`` connections (its rate-limit row and its tokens shared), into *empty*;
   - *API, lists*: the same clients, each ``POST /api/v1/enrolments/proposals`` carrying ``--list-size`` workers
     (50), into *lists*;
   - *web*: ``--clients`` signed-in province administrators posting the proposal form
     ``/kepesertaan/usulkan/<worker>/`` (302 to the enrolment), into *empty*;
   - *raw*: the same number of rows as the API's median round, first as one ``INSERT ... SELECT`` from
     ``workers_worker`` into ``raw_enrolment`` (``LIKE enrolments_enrolment INCLUDING DEFAULTS INCLUDING
     IDENTITY``: no index, check or foreign key), then one ``INSERT`` per transaction from ``--clients``
     connections (the floor of a transaction per proposal).
   Beside each kind: the answers' p50/p95 and the CPU the server's processes, PostgreSQL and this client used
   (``/proc``), per proposal.
5. **Where the time goes**, in this process with Django's test ``Client`` on the same database: the queries of
   one API search and one API proposal (count, SQL time, each statement); with ``--profile``, ``cProfile`` of
   ``--profile`` API proposals and searches (written to ``bench/out/api-profile.txt``).
6. Prints a Markdown block (also written to ``bench/out/api.md``) and drops the database unless ``--keep``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import datetime as dt
import http.client
import io
import json
import os
import pstats
import queue
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import psycopg
from billing import create_programme, load_enrolments, load_workers, vacuum_analyze
from common import (
    PROVINCE,
    REPO,
    add_database_arguments,
    bench_database,
    environment_lines,
    git_revision,
    publish,
)
from dashboard import extend_period

# Python puts this script's folder first on sys.path: the sibling benchmarks import by their names.
from load import (
    LOAD_ENV,
    PASSWORD,
    Browser,
    Persona,
    Sample,
    StepFailed,
    add_room,
    create_users,
    free_port,
    server_settings,
    start_server,
    stop_server,
)
from registry import SEED

if TYPE_CHECKING:
    from lindung.programmes.models import Programme

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_api"
DEFAULT_WORKERS = 1_000_000
DEFAULT_NIKS = 200
DEFAULT_CLIENTS = 4
DEFAULT_SECONDS = 15.0
DEFAULT_POOL = 200_000  # the lists take many: 150,000 for the kinds into *empty*
DEFAULT_LIST_SIZE = 50
SEARCH_TARGET_MS = 50.0
PROPOSALS_TARGET = 200.0
OPENIMIS_CREATE_FAMILY = 42.0  # proposals/s of openIMIS's GraphQL createFamily, same kind of machine (issue 18)
TIMEOUT_S = 30.0
WORKERS_PATH = "/api/v1/workers"
ENROLMENTS_PATH = "/api/v1/enrolments"
PROPOSALS_PATH = "/api/v1/enrolments/proposals"  # a list of proposals in one request
TOKEN_PATH = "/api/v1/oauth/token"  # noqa: S105 - a path
API_FLOOR_PATH = f"/api/v1/regions/{PROVINCE}"
RATE_LIMIT = 100_000  # a minute: the most api_client_create allows; the bench must never meet it
OUT = REPO / "bench" / "out" / "api.md"
PROFILE_OUT = REPO / "bench" / "out" / "api-profile.txt"
EXPLAIN_OUT = REPO / "bench" / "out" / "api-explain.txt"
SPY_OUT = REPO / "bench" / "out" / "api-py-spy.txt"


# Data


@dataclasses.dataclass
class Data:
    full_pk: int  # the programme holding an active enrolment of every worker outside the pool
    empty_pk: int  # the programme with no enrolment
    enrolled: int  # enrolments in the full programme
    pool_full: list[int]  # workers without any enrolment, to propose into the full programme
    pool_empty: list[int]  # the same, for the empty programme
    lists_pk: int  # a third programme, empty too, for the lists: their thousands of proposals stay out of *empty*
    pool_lists: list[int]  # workers without any enrolment, to propose in lists
    niks: list[str]  # sampled over the table, for the searches


def second_programme(rows: int, code: str = "BENCH-API-EMPTY") -> Programme:
    """Another provincial programme of the same year, open, with no enrolment: the billing benchmark's, renamed."""
    programme = create_programme(rows)
    programme.code, programme.name = code, "Bench API, no enrolment yet"
    programme.save(update_fields=["code", "name"])
    return programme


def load_data(rows: int, pool: int) -> tuple[Data, float]:
    """Workers, the two programmes with their quotas, the full one's enrolments; returns the data and the seconds."""
    from django.db import connection

    started = time.perf_counter()
    print(f"loading {rows:,} workers", flush=True)
    load_workers(rows)
    empty = second_programme(rows)  # first: it takes the billing benchmark's code, then gives it up
    lists = second_programme(rows, "BENCH-API-LISTS")
    full = create_programme(rows)
    for programme in (full, empty, lists):
        extend_period(programme)  # coverage into 2027: still running today
        programme.open_for_proposals = True
        programme.save(update_fields=["open_for_proposals"])
        add_room(programme, rows)
    print(f"loading {rows:,} enrolments into {full.code}, then freeing a pool of {pool:,} workers", flush=True)
    load_enrolments(full)
    step = max(2, rows // pool)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM enrolments_enrolment WHERE worker_id %% %s = 0", [step])
        cursor.execute("SELECT id FROM workers_worker WHERE id %% %s = 0 ORDER BY id", [step])
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM enrolments_enrolment WHERE programme_id = %s", [full.pk])
        enrolled = int(cursor.fetchone()[0])
    vacuum_analyze()
    rng = random.Random(SEED)
    rng.shuffle(ids)  # spread over regencies and over the table
    # An eighth for the full programme (its rounds are slow), half for the lists (fifty a request), the rest for
    # the kinds proposing one at a time into the empty programme.
    eighth, half = len(ids) // 8, len(ids) // 2
    data = Data(
        full_pk=full.pk,
        empty_pk=empty.pk,
        enrolled=enrolled,
        pool_full=ids[:eighth],
        pool_empty=ids[eighth + half :],
        lists_pk=lists.pk,
        pool_lists=ids[eighth : eighth + half],
        niks=[],
    )
    return data, time.perf_counter() - started


def sample_niks(count: int) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM workers_worker")
        top = int(cursor.fetchone()[0])
        rng = random.Random(SEED + 7)
        cursor.execute("SELECT nik FROM workers_worker WHERE id = ANY(%s)", [rng.sample(range(1, top + 1), count)])
        niks = [row[0] for row in cursor.fetchall()]
    random.Random(SEED + 8).shuffle(niks)
    return niks


# HTTP


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    ms: float
    error: str  # empty when the answer is the one expected
    proposed: int = 1  # proposals the answer accepted (a list's length)


class Connection:
    """One client's kept-alive connection; sends again once on a new connection when the server had just closed
    the idle one (gunicorn's keep-alive is 2 s), as HTTP clients do."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = headers or {}
        self.connection: http.client.HTTPConnection | None = None
        self.retries = 0

    def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        expect: int | tuple[int, ...] = 200,
    ) -> Answer:
        sent = {**self.headers, **(headers or {})}
        started = time.perf_counter()
        status, data, error = 0, b"", ""
        try:
            try:
                response = self._send(method, path, body, sent)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                self.retries += 1
                response = self._send(method, path, body, sent)
            data = response.read()
            status = response.status
            if response.will_close:
                self.close()
        except TimeoutError:
            error = "timeout"
            self.close()
        except (OSError, http.client.HTTPException) as exc:
            error = f"no response: {type(exc).__name__}"
            self.close()
        ms = (time.perf_counter() - started) * 1000
        expected = expect if isinstance(expect, tuple) else (expect,)
        if not error and status not in expected:
            error = f"HTTP {status}: {' '.join(data[:300].decode('utf-8', 'replace').split())[:160]}"
        return Answer(status, data, ms, error)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> http.client.HTTPResponse:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)
        self.connection.request(method, path, body=body, headers=headers)
        return self.connection.getresponse()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def api_clients(count: int, label: str) -> list[tuple[str, str]]:
    """``count`` API clients of the province, every scope, the highest rate limit: (client_id, secret) each."""
    from lindung.accounts.api_access import api_client_create

    made = []
    for i in range(count):
        client, secret = api_client_create(
            actor=None,
            name=f"bench-{label}-{i}",
            region_code=PROVINCE,
            scopes=["all"],
            rate_limit_per_minute=RATE_LIMIT,
        )
        made.append((client.client_id, secret))
    return made


def api_token(port: int, client_id: str, secret: str) -> str:
    form = urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}).encode()
    answer = Connection(port).send(
        "POST", TOKEN_PATH, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    if answer.error:
        raise SystemExit(f"token endpoint: {answer.error}")
    return str(json.loads(answer.body)["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json", "Accept-Language": "id"}


def web_session(port: int, username: str) -> Browser:
    """A signed-in browser (cookies, CSRF token) of the load test."""
    browser = Browser(port, [], time.perf_counter())
    browser.request("sign-in", "GET", "/masuk/")
    browser.request("sign-in", "POST", "/masuk/", form={"username": username, "password": PASSWORD}, expect=302)
    browser.samples.clear()
    return browser


# Search by NIK


SEARCH_KINDS = ("API", "web (POST + results)", "web results page", "raw SQL", "API floor", "HTTP floor")


def search_round(
    niks: list[str], api: Connection, web: Browser, raw: psycopg.Connection[Any], floor: Connection, *, check: bool
) -> tuple[dict[str, list[float]], list[str]]:
    """Each NIK asked by every kind, in an order rotated per NIK; (ms by kind, errors)."""
    times: dict[str, list[float]] = {kind: [] for kind in SEARCH_KINDS}
    errors: list[str] = []

    def by_api(nik: str) -> None:
        answer = api.send("GET", f"{WORKERS_PATH}?{urlencode({'nik': nik})}")
        if not answer.error and check:
            items = json.loads(answer.body).get("items")
            if not isinstance(items, list) or len(items) != 1:
                answer = dataclasses.replace(answer, error=f"API: {len(items or [])} items for one NIK")
        times["API"].append(answer.ms)
        if answer.error:
            errors.append(f"API search: {answer.error}")

    def by_web(nik: str) -> None:
        before = len(web.samples)
        try:
            _, location, _ = web.request("NIK search: POST", "POST", "/pekerja/", form={"q": nik}, expect=303)
            web.follow("NIK search: results", location)
        except StepFailed as exc:
            errors.append(f"web search: {exc}")
            return
        post, results = web.samples[before:]
        times["web (POST + results)"].append(post.ms + results.ms)
        times["web results page"].append(results.ms)

    def by_sql(nik: str) -> None:
        started = time.perf_counter()
        with raw.cursor() as cursor:
            cursor.execute("SELECT * FROM workers_worker WHERE nik = %s", [nik])
            found = cursor.fetchall()
        times["raw SQL"].append((time.perf_counter() - started) * 1000)
        if check and len(found) != 1:
            errors.append(f"raw SQL: {len(found)} rows")

    def floors(_nik: str) -> None:
        for kind, path in (("API floor", API_FLOOR_PATH), ("HTTP floor", "/healthz")):
            answer = (api if kind == "API floor" else floor).send("GET", path)
            times[kind].append(answer.ms)
            if answer.error:
                errors.append(f"{kind}: {answer.error}")

    steps: list[Callable[[str], None]] = [by_api, by_web, by_sql, floors]
    for i, nik in enumerate(niks):
        for step in steps[i % len(steps) :] + steps[: i % len(steps)]:
            step(nik)
    return times, errors


# CPU, from /proc (Linux)


def _processes() -> dict[int, tuple[int, str, float, float]]:
    """pid -> (parent pid, name, own CPU seconds, CPU seconds of its children already ended and reaped)."""
    ticks = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # After the name: state, ppid, ...; utime, stime, cutime, cstime are the 14th to 17th fields of the line.
        own = (int(fields[11]) + int(fields[12])) / ticks
        reaped = (int(fields[13]) + int(fields[14])) / ticks
        table[int(entry.name)] = (int(fields[1]), name, own, reaped)
    return table


def _tree_cpu(table: dict[int, tuple[int, str, float, float]], root: int) -> float:
    """CPU of ``root`` and every descendant, those that ended included (their parent reaped them)."""
    tree, grew = {root}, True
    while grew:
        before = len(tree)
        tree |= {pid for pid, (parent, *_rest) in table.items() if parent in tree}
        grew = len(tree) > before
    return sum(table[pid][2] + table[pid][3] for pid in tree if pid in table)


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's process tree, by PostgreSQL (the postmaster's tree: every database
    of the machine, backends that ended included) and by this process (the clients' threads)."""
    table = _processes()
    postmasters = [
        pid
        for pid, (parent, name, *_r) in table.items()
        if name == "postgres" and table.get(parent, (0, ""))[1] != name
    ]
    return {
        "server": _tree_cpu(table, server_pid),
        "postgres": sum(_tree_cpu(table, pid) for pid in postmasters),
        "client": table[os.getpid()][2],
    }


# Proposals


@dataclasses.dataclass
class Round:
    kind: str
    seconds: float
    accepted: int
    latencies: list[float]
    errors: list[str]
    cpu: dict[str, float]  # CPU seconds during the round, by group

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


Proposer = Callable[[int], Answer]


def propose_round(
    kind: str,
    proposers: list[Proposer],
    pool: queue.SimpleQueue[int],
    seconds: float,
    pid: int,
    spy: Path | None = None,
) -> Round:
    """Each proposer in a thread of its own, proposing pool workers until ``seconds`` are up or the pool is empty."""
    latencies: list[list[float]] = [[] for _ in proposers]
    errors: list[list[str]] = [[] for _ in proposers]
    accepted = [0] * len(proposers)
    barrier = threading.Barrier(len(proposers) + 1)
    deadline = 0.0

    def work(i: int) -> None:
        barrier.wait()
        while time.perf_counter() < deadline:
            try:
                worker = pool.get_nowait()
            except queue.Empty:
                errors[i].append("pool exhausted: raise --pool")
                return
            answer = proposers[i](worker)
            latencies[i].append(answer.ms)
            if answer.error:
                errors[i].append(answer.error)
            else:
                accepted[i] += answer.proposed

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(proposers))]
    for thread in threads:
        thread.start()
    sampler = None
    if spy is not None:
        # Sampling the server's processes while they work: where their CPU goes (``py_spy_summary``).
        sampler = subprocess.Popen(
            [
                *(str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid), "--subprocesses"),
                *("--format", "raw", "--rate", "250", "--gil", "--nonblocking", "--duration", str(int(seconds))),
                *("--output", str(spy)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # py-spy attaches to every process first
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    deadline = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started  # to the last answer: requests in flight at the deadline count
    cpu_after = cpu_seconds(pid)
    if sampler is not None:
        sampler.wait(timeout=60)
    return Round(
        kind,
        elapsed,
        sum(accepted),
        [ms for found in latencies for ms in found],
        [error for found in errors for error in found],
        {name: cpu_after[name] - cpu_before[name] for name in cpu_before},
    )


def api_proposer(connection: Connection, programme: int, *, idempotency: bool) -> Proposer:
    def propose(worker: int) -> Answer:
        headers = {"Content-Type": "application/json"}
        if idempotency:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        body = json.dumps({"worker": worker, "programme": programme}).encode()
        return connection.send("POST", ENROLMENTS_PATH, body=body, headers=headers, expect=(200, 201))

    return propose


def list_proposer(
    connection: Connection, programme: int, pool: queue.SimpleQueue[int], size: int, *, idempotency: bool
) -> Proposer:
    """``POST /api/v1/enrolments/proposals`` with ``size`` workers: the one handed over and ``size - 1`` more from
    the same pool (fewer when it runs dry)."""

    def propose(worker: int) -> Answer:
        workers = [worker]
        with contextlib.suppress(queue.Empty):
            while len(workers) < size:
                workers.append(pool.get_nowait())
        headers = {"Content-Type": "application/json"}
        if idempotency:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        body = json.dumps({"programme": programme, "workers": workers}).encode()
        answer = connection.send("POST", PROPOSALS_PATH, body=body, headers=headers, expect=(201,))
        return dataclasses.replace(answer, proposed=0 if answer.error else len(workers))

    return propose


def floor_getter(connection: Connection) -> Proposer:
    def get(_worker: int) -> Answer:
        return connection.send("GET", API_FLOOR_PATH)

    return get


def web_proposer(browser: Browser, programme: int) -> Proposer:
    def propose(worker: int) -> Answer:
        before = len(browser.samples)
        error = ""
        try:
            browser.request(
                "propose: POST",
                "POST",
                f"/kepesertaan/usulkan/{worker}/",
                form={"programme": str(programme)},
                expect=302,
            )
        except StepFailed as exc:
            error = str(exc)
        sample: Sample = browser.samples[before]
        browser.samples.clear()
        return Answer(sample.status, b"", sample.ms, error)

    return propose


RAW_COLUMNS = (
    "worker_id, programme_id, status, kpj, coverage_start, coverage_end, end_reason, rejection_reason, batch_id, "
    "village_code, province_code, regency_code, proposed_at, updated_at"
)


def raw_table(conninfo: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS raw_enrolment")
        conn.execute("CREATE TABLE raw_enrolment (LIKE enrolments_enrolment INCLUDING DEFAULTS INCLUDING IDENTITY)")


def raw_insert_select(conninfo: str, workers: list[int], programme: int) -> float:
    """One ``INSERT ... SELECT`` of ``len(workers)`` proposals into the bare table, autocommit; seconds."""
    from lindung.enrolments.models import Status

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("TRUNCATE raw_enrolment")
        started = time.perf_counter()
        conn.execute(
            f"INSERT INTO raw_enrolment ({RAW_COLUMNS}) "  # noqa: S608 - constants
            "SELECT id, %s, %s, '', NULL, NULL, '', '', NULL, village_code, province_code, regency_code, now(), now() "
            "FROM workers_worker WHERE id = ANY(%s)",
            [programme, Status.PROPOSED.value, workers],
        )
        return time.perf_counter() - started


def raw_per_row(conninfo: str, workers: list[int], programme: int, clients: int) -> float:
    """The same rows, one ``INSERT ... SELECT`` of one worker per transaction from ``clients`` connections; seconds."""
    from lindung.enrolments.models import Status

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("TRUNCATE raw_enrolment")
    shares = [workers[i::clients] for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def work(share: list[int]) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            barrier.wait()
            for worker in share:
                conn.execute(
                    f"INSERT INTO raw_enrolment ({RAW_COLUMNS}) "  # noqa: S608 - constants
                    "SELECT id, %s, %s, '', NULL, NULL, '', '', NULL, village_code, province_code, regency_code, "
                    "now(), now() FROM workers_worker WHERE id = %s",
                    [programme, Status.PROPOSED.value, worker],
                )

    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


# Where the time goes: py-spy's samples of the server, and Django's test Client in this process


# (label, a text some frame of the stack contains): the share of the server's samples in each.
SPY_MARKERS = (
    ("the route's service `enrolment_propose`", "enrolment_propose (lindung/enrolments/services.py"),
    ("  its quota check `quota_problem`", "quota_problem ("),
    ("  its overlap check `overlap_problem`", "overlap_problem ("),
    ("  its audit entry `audit_record`", "audit_record ("),
    ("token look-ups `api_token_authenticate` (twice with a key)", "api_token_authenticate ("),
    ("rate limit `rate_limit_take`", "rate_limit_take ("),
    ("Ninja: input parsing and validation", "_get_values ("),
    ("Ninja: answer built and serialised", "_result_to_response ("),
    ("Django ORM: building SQL (`as_sql`)", "as_sql ("),
    ("psycopg: the driver's own Python", "psycopg/"),
    ("transaction commit", "commit ("),
    ("the view, middleware excluded (`_get_response`)", "BaseHandler._get_response ("),
    ("Django's handler with its middleware (`WSGIHandler`)", "WSGIHandler.__call__ ("),
    ("gunicorn, outside Django: HTTP read and written", "!WSGIHandler.__call__ ("),
)


def py_spy_summary(path: Path) -> list[tuple[str, float]]:
    """Each marker's share of the samples (a stack counted once per marker), from py-spy's raw output."""
    total = 0
    counts = dict.fromkeys([label for label, _ in SPY_MARKERS], 0)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        total += int(number)
        for label, marker in SPY_MARKERS:
            # "!text": the samples whose stack does not hold the text.
            if (marker.removeprefix("!") in stack) != marker.startswith("!"):
                counts[label] += int(number)
    return [(label, count / total) for label, count in counts.items()] if total else []


@dataclasses.dataclass
class Breakdown:
    label: str
    ms: float
    statements: list[tuple[str, float]]  # (SQL, ms)

    @property
    def sql_ms(self) -> float:
        return sum(ms for _, ms in self.statements)


def in_process(token: str, nik: str, proposals: list[tuple[str, int, int]]) -> tuple[list[Breakdown], str]:
    """One API search, one region read and each of ``proposals`` ((label, worker, programme)) through Django's
    test Client, each statement timed (after a warm-up request, so that the URL resolver, the schemas and the
    connection are ready); and EXPLAIN ANALYZE of each proposal's three slowest SELECTs, run again afterwards."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="id")
    client.get(WORKERS_PATH, {"nik": nik})
    client.get(API_FLOOR_PATH)

    def proposal(worker: int, programme: int) -> Callable[[], Any]:
        return lambda: client.post(
            ENROLMENTS_PATH,
            json.dumps({"worker": worker, "programme": programme}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )

    calls: list[tuple[str, Callable[[], Any]]] = [
        ("API search by NIK", lambda: client.get(WORKERS_PATH, {"nik": nik})),
        ("API floor (one region)", lambda: client.get(API_FLOOR_PATH)),
        *((label, proposal(worker, programme)) for label, worker, programme in proposals),
    ]
    found: list[Breakdown] = []
    plans = io.StringIO()
    for label, call in calls:
        statements: list[tuple[str, float]] = []
        selects: list[tuple[float, str, Any]] = []

        def timer(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                ms = (time.perf_counter() - started) * 1000
                statements.append((sql, ms))  # noqa: B023 - called within its loop's turn
                if sql.lstrip().upper().startswith("SELECT"):
                    selects.append((ms, sql, params))  # noqa: B023

        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = call()
            ms = (time.perf_counter() - started) * 1000
        found.append(Breakdown(f"{label} ({response.status_code})", ms, statements))
        if "proposal" in label:
            for took, sql, params in sorted(selects, key=lambda item: -item[0])[:3]:
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                plans.write(f"== {label}: {took:.2f} ms in the request\n{sql}\n{params}\n{plan}\n\n")
    return found, plans.getvalue()


def profile(token: str, niks: list[str], workers: list[int], programme: int) -> str:
    """cProfile of API proposals and searches in this process: the functions that take the time."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="id")
    client.get(WORKERS_PATH, {"nik": niks[0]})
    text = io.StringIO()
    for label, calls in (
        (
            f"{len(workers)} API proposals",
            [
                lambda w=w: client.post(
                    ENROLMENTS_PATH,
                    json.dumps({"worker": w, "programme": programme}),
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
                )
                for w in workers
            ],
        ),
        (
            f"{len(niks)} API searches",
            [lambda n=n: client.get(WORKERS_PATH, {"nik": n}) for n in niks],
        ),
    ):
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for call in calls:
            call()
        profiler.disable()
        seconds = time.perf_counter() - started
        text.write(f"== {label}: {seconds * 1000 / len(calls):.1f} ms each in this process (profiled)\n")
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    return text.getvalue()


# Report


def quantile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def cpu_per(round_: Round) -> str:
    """CPU ms per accepted proposal by group, their sum, and the rate that sum allows on this machine's cores."""
    per = max(round_.accepted, 1)
    parts = [round_.cpu[name] * 1000 / per for name in ("server", "postgres", "client")]
    total = sum(parts)
    ceiling = (os.cpu_count() or 1) * 1000 / total if total > 0 else 0.0
    return " / ".join(f"{part:.1f}" for part in parts) + f" = {total:.1f} | {ceiling:.0f}/s"


def report(
    *,
    rows: int,
    data: Data,
    env: dict[str, str],
    args: argparse.Namespace,
    load_average: tuple[float, float],
    loaded_s: float | None,
    searches: dict[str, list[float]],
    search_medians: dict[str, list[float]],
    rounds: list[Round],
    raw: dict[str, float],
    breakdown: list[Breakdown],
    spied: list[tuple[str, float]],
    errors: list[str],
    retries: int,
) -> str:
    api = [r for r in rounds if r.kind == "API"]
    api_rate = statistics.median(r.rate for r in api) if api else 0.0
    api_ms = statistics.median(searches["API"]) if searches["API"] else float("nan")
    listed = [r for r in rounds if r.kind == "API, lists"]
    list_rate = statistics.median(r.rate for r in listed) if listed else 0.0
    verdict = [
        f"API search by NIK median {api_ms:.1f} ms {'<' if api_ms < SEARCH_TARGET_MS else '≥'} "
        f"{SEARCH_TARGET_MS:.0f} ms: **{'PASS' if api_ms < SEARCH_TARGET_MS else 'FAIL'}**",
        f"API proposals one per request {api_rate:.0f}/s {'≥' if api_rate >= PROPOSALS_TARGET else '<'} "
        f"{PROPOSALS_TARGET:.0f}/s: **{'PASS' if api_rate >= PROPOSALS_TARGET else 'FAIL'}**",
    ]
    if listed:
        verdict.append(
            f"API proposals in lists of {args.list_size} {list_rate:.0f}/s "
            f"{'≥' if list_rate >= PROPOSALS_TARGET else '<'} {PROPOSALS_TARGET:.0f}/s: "
            f"**{'PASS' if list_rate >= PROPOSALS_TARGET else 'FAIL'}**"
        )
    verdict[-1] += f" (openIMIS createFamily: {OPENIMIS_CREATE_FAMILY:.0f}/s)"
    lines = [
        f"### API at {rows:,} workers ({dt.date.today().isoformat()}, revision {git_revision()})",
        "",
        *environment_lines(load_average),
        f"- Server: {server_settings(env)}; the API clients and web users are threads of the benchmark's process, "
        "each with its own kept-alive connection.",
        f"- Data: {rows:,} workers; programme *full* with {data.enrolled:,} active enrolments, programmes *empty* and "
        f"*lists* with none; all open, a quota of {2 * rows + 1000:,} per regency; "
        f"{len(data.pool_full) + len(data.pool_empty) + len(data.pool_lists):,} "
        "workers with no enrolment to propose" + (f"; loaded in {loaded_s:.0f} s." if loaded_s is not None else "."),
        f"- Verdict: {'; '.join(verdict)}.",
        "",
        f"Search by NIK: {len(data.niks)} NIKs sampled over the table, {args.runs} passes, each NIK asked by every "
        "kind in a rotating order; median and p95 over all requests, and the spread of the passes' medians.",
        "",
        "| request | requests | median | p95 | passes' medians |",
        "|---|---|---|---|---|",
    ]
    labels = {
        "API": f"API `GET {WORKERS_PATH}?nik=`",
        "web (POST + results)": "web: `POST /pekerja/` (303) + results page",
        "web results page": "web: the results page alone",
        "raw SQL": "raw SQL `SELECT * FROM workers_worker WHERE nik = %s`",
        "API floor": f"API floor `GET {API_FLOOR_PATH}`",
        "HTTP floor": "HTTP floor `GET /healthz`",
    }
    for kind in SEARCH_KINDS:
        found = searches[kind]
        if not found:
            continue
        medians = search_medians[kind]
        lines.append(
            f"| {labels[kind]} | {len(found):,} | {statistics.median(found):.1f} ms | {quantile(found, 95):.1f} ms "
            f"| {min(medians):.1f}–{max(medians):.1f} ms |"
        )
    lines += [
        "",
        f"Proposals: {args.clients} concurrent clients, {args.runs} rounds of {args.seconds:.0f} s per kind, each "
        "client proposing distinct workers back to back; the median round, the answers' p50/p95 over all rounds, "
        "and CPU per accepted proposal (server: `lindung serve`'s processes; postgres: the PostgreSQL server's, "
        "ended backends included; client: this benchmark) with the rate all the machine's cores would give at that "
        "CPU per proposal.",
        "",
        "| kind | proposals/s (rounds) | accepted | errors | p50 | p95 "
        "| CPU ms per proposal: server / postgres / client = all | all cores at that CPU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    kinds: dict[str, list[Round]] = {}
    for round_ in rounds:
        kinds.setdefault(round_.kind, []).append(round_)
    describe = {
        "API": f"API, {args.clients} clients, into *empty*",
        "API, full programme": f"API, {args.clients} clients, into *full*",
        "API, one client": f"API, one client x {args.clients} connections, into *empty*",
        "API, no Idempotency-Key": f"API, {args.clients} clients, into *empty*, no `Idempotency-Key`",
        "web": f"web form, {args.clients} sessions, into *empty*",
        "API, lists": f"API, {args.clients} clients, lists of {args.list_size} (`POST {PROPOSALS_PATH}`), into "
        "*lists* (empty too)",
        "API floor": f"not a proposal: `GET {API_FLOOR_PATH}`, {args.clients} clients (requests/s)",
    }
    for kind, group in kinds.items():
        middle = sorted(group, key=lambda r: r.rate)[len(group) // 2]
        latencies = [ms for r in group for ms in r.latencies]
        rates = ", ".join(f"{r.rate:.0f}" for r in group)
        lines.append(
            f"| {describe.get(kind, kind)} | **{middle.rate:.0f}** ({rates}) | {sum(r.accepted for r in group):,} "
            f"| {sum(len(r.errors) for r in group)} | {quantile(latencies, 50) if latencies else 0:.1f} ms "
            f"| {quantile(latencies, 95) if latencies else 0:.1f} ms | {cpu_per(middle)} |"
        )
    if raw:
        count = int(raw["rows"])
        lines += [
            f"| raw: one `INSERT ... SELECT` of {count:,} rows into a bare table | "
            f"**{count / raw['insert_select']:,.0f}** | {count:,} | | | | | |",
            f"| raw: {count:,} single-row `INSERT`s, a transaction each, from {args.clients} connections, bare table | "
            f"**{count / raw['per_row']:,.0f}** | {count:,} | | | | | |",
        ]
    if spied:
        lines += [
            "",
            "Where the server's CPU goes in the first round of API proposals into *empty* (py-spy, 250 samples/s "
            "of every server process, only the thread holding the GIL: Python's CPU, not the waits for PostgreSQL; "
            "a sample counts in every line whose function is on its stack):",
            "",
            "| part | share of the samples |",
            "|---|---|",
        ]
        lines += [f"| {label} | {share:.0%} |" for label, share in spied]
    if breakdown:
        lines += [
            "",
            "Where a request's time goes (this process, Django's test `Client`, same database; no HTTP):",
            "",
            "| request | total | queries | SQL time |",
            "|---|---|---|---|",
        ]
        for item in breakdown:
            lines.append(f"| {item.label} | {item.ms:.1f} ms | {len(item.statements)} | {item.sql_ms:.1f} ms |")
        for item in breakdown:
            lines += ["", f"{item.label}, statements in order:", "", "```"]
            lines += [f"{ms:7.2f} ms  {' '.join(sql.split())[:160]}" for sql, ms in item.statements]
            lines.append("```")
    if errors:
        distinct: dict[str, int] = {}
        for error in errors:
            distinct[error[:160]] = distinct.get(error[:160], 0) + 1
        lines += ["", "Errors:", ""]
        lines += [f"- {count} × {error}" for error, count in sorted(distinct.items(), key=lambda i: -i[1])[:15]]
    if retries:
        lines += ["", f"{retries} requests sent again on a new connection after the server closed an idle one."]
    return "\n".join(lines) + "\n"


API_ENV = {**LOAD_ENV, "LINDUNG_SECRET_KEY": "bench-api-not-secret"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=f"Workers (default {DEFAULT_WORKERS:,}).")
    parser.add_argument("--runs", type=int, default=3, help="Passes over the NIKs and rounds of proposals (default 3).")
    parser.add_argument(
        "--niks", type=int, default=DEFAULT_NIKS, help=f"NIKs searched per pass (default {DEFAULT_NIKS})."
    )
    parser.add_argument(
        "--clients", type=int, default=DEFAULT_CLIENTS, help=f"Concurrent proposers (default {DEFAULT_CLIENTS})."
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=DEFAULT_SECONDS,
        help=f"Length of a proposal round (default {DEFAULT_SECONDS:.0f}).",
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=DEFAULT_POOL,
        help=f"Workers left without enrolment to propose (default {DEFAULT_POOL:,}).",
    )
    parser.add_argument("--no-idempotency-key", action="store_true", help="API proposals without an Idempotency-Key.")
    parser.add_argument(
        "--kinds",
        default="api,list,nokey,full,shared,web,floor,raw",
        help="Proposal kinds to run, of api,list,nokey,full,shared,web,floor,raw (default all).",
    )
    parser.add_argument(
        "--list-size",
        type=int,
        default=DEFAULT_LIST_SIZE,
        help=f"Workers per request of the kind list (default {DEFAULT_LIST_SIZE}).",
    )
    parser.add_argument(
        "--py-spy",
        action="store_true",
        help=f"Sample the server with py-spy (beside python) in the first API round; stacks to {SPY_OUT.name}.",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help=f"cProfile N API proposals and searches into {PROFILE_OUT.name}.",
    )
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the server log) afterwards.")
    args = parser.parse_args()
    if args.workers < 1_000 or args.pool >= args.workers // 2:
        parser.error("--workers: at least 1,000, and more than twice --pool")
    kinds = set(args.kinds.split(","))

    with bench_database(args.database_url, prefix="lindung-bench-api-", keep=args.keep, extra_env=API_ENV) as bench:
        env, work_dir = bench.env, bench.work_dir
        data, loaded_s = load_data(args.workers, args.pool)
        data.niks = sample_niks(args.niks)
        from django.db import connection

        from lindung.accounts.models import Role

        searcher = Persona("api_bench_verifikator", Role.VERIFIKATOR, PROVINCE)
        proposers = [Persona(f"api_bench_admin_{i}", Role.ADMIN_PROVINSI, PROVINCE) for i in range(args.clients)]
        create_users([searcher, *proposers])
        own = api_clients(args.clients, "own")
        shared = api_clients(1, "shared")[0]
        profiled = api_clients(1, "profile")[0]
        connection.close()  # the server and this process's threads take the connections from here on
        port = free_port()
        print(f"starting lindung serve on port {port} (log {work_dir / 'serve.log'})", flush=True)
        server = start_server(env, port, work_dir / "serve.log")
        errors: list[str] = []
        try:
            load_before = os.getloadavg()[0]
            tokens = [api_token(port, client_id, secret) for client_id, secret in own]
            shared_tokens = [api_token(port, *shared) for _ in range(args.clients)]

            # Search by NIK
            api = Connection(port, bearer(tokens[0]))
            floor = Connection(port)
            web = web_session(port, searcher.username)
            searches: dict[str, list[float]] = {kind: [] for kind in SEARCH_KINDS}
            search_medians: dict[str, list[float]] = {kind: [] for kind in SEARCH_KINDS}
            with psycopg.connect(args.database_url, autocommit=True) as raw:
                search_round(data.niks[:10], api, web, raw, floor, check=False)  # warm-up, not counted
                for run in range(args.runs):
                    times, found = search_round(data.niks, api, web, raw, floor, check=run == 0)
                    errors += found
                    for kind, values in times.items():
                        searches[kind] += values
                        if values:
                            search_medians[kind].append(statistics.median(values))
                    print(
                        f"search pass {run + 1}: "
                        + ", ".join(f"{k} {statistics.median(v):.1f} ms" for k, v in times.items() if v),
                        flush=True,
                    )

            # Proposals
            rounds: list[Round] = []
            spied: list[tuple[str, float]] = []
            pool_empty: queue.SimpleQueue[int] = queue.SimpleQueue()
            for worker in data.pool_empty:
                pool_empty.put(worker)
            pool_full: queue.SimpleQueue[int] = queue.SimpleQueue()
            for worker in data.pool_full:
                pool_full.put(worker)
            key = not args.no_idempotency_key
            api_connections = [Connection(port, bearer(token)) for token in tokens]
            shared_connections = [Connection(port, bearer(token)) for token in shared_tokens]
            browsers = [web_session(port, persona.username) for persona in proposers] if "web" in kinds else []
            plan: list[tuple[str, list[Proposer], queue.SimpleQueue[int]]] = []
            if "api" in kinds:
                plan.append(
                    ("API", [api_proposer(c, data.empty_pk, idempotency=key) for c in api_connections], pool_empty)
                )
            if "full" in kinds:
                plan.append(
                    (
                        "API, full programme",
                        [api_proposer(c, data.full_pk, idempotency=key) for c in api_connections],
                        pool_full,
                    )
                )
            if "shared" in kinds:
                plan.append(
                    (
                        "API, one client",
                        [api_proposer(c, data.empty_pk, idempotency=key) for c in shared_connections],
                        pool_empty,
                    )
                )
            if "nokey" in kinds:
                plan.append(
                    (
                        "API, no Idempotency-Key",
                        [api_proposer(c, data.empty_pk, idempotency=False) for c in api_connections],
                        pool_empty,
                    )
                )
            if "web" in kinds:
                plan.append(("web", [web_proposer(b, data.empty_pk) for b in browsers], pool_empty))
            if "list" in kinds:
                pool_lists: queue.SimpleQueue[int] = queue.SimpleQueue()
                for worker in data.pool_lists:
                    pool_lists.put(worker)
                plan.append(
                    (
                        "API, lists",
                        [
                            list_proposer(c, data.lists_pk, pool_lists, args.list_size, idempotency=key)
                            for c in api_connections
                        ],
                        pool_lists,
                    )
                )
            if "floor" in kinds:
                # Not proposals: the API's door alone, for what a request costs before the route does anything.
                tickets: queue.SimpleQueue[int] = queue.SimpleQueue()
                for _ in range(int(args.seconds * 2_000) * (args.runs + 1)):
                    tickets.put(0)
                plan.append(("API floor", [floor_getter(c) for c in api_connections], tickets))
            # A few untimed proposals of each kind first: connections, caches and code paths warm.
            for kind, proposers_, pool in plan:
                for propose in proposers_:
                    answer = propose(pool.get_nowait())
                    if answer.error:
                        print(f"warm-up, {kind}: {answer.error}", flush=True)
            for run in range(args.runs):
                for kind, proposers_, pool in plan:
                    spy = SPY_OUT if args.py_spy and run == 0 and kind == "API" else None
                    round_ = propose_round(kind, proposers_, pool, args.seconds, server.pid, spy)
                    if spy is not None:
                        spied = py_spy_summary(spy)
                    rounds.append(round_)
                    errors += round_.errors
                    print(
                        f"round {run + 1}, {kind}: {round_.rate:.0f} proposals/s ({round_.accepted} accepted, "
                        f"{len(round_.errors)} errors)",
                        flush=True,
                    )
            load_after = os.getloadavg()[0]
            retries = sum(c.retries for c in (api, floor, *api_connections, *shared_connections)) + sum(
                b.retries for b in (web, *browsers)
            )

            raw_figures: dict[str, float] = {}
            api_rounds = [r for r in rounds if r.kind == "API"]
            if "raw" in kinds:
                count = int(statistics.median(r.accepted for r in api_rounds)) if api_rounds else 3_000
                count = max(count, 1)
                workers = data.pool_empty[:count]
                raw_table(args.database_url)
                insert_select = statistics.median(
                    raw_insert_select(args.database_url, workers, data.empty_pk) for _ in range(args.runs)
                )
                per_row = statistics.median(
                    raw_per_row(args.database_url, workers, data.empty_pk, args.clients) for _ in range(args.runs)
                )
                raw_figures = {"rows": count, "insert_select": insert_select, "per_row": per_row}
                print(f"raw: INSERT ... SELECT {insert_select:.3f} s, per row {per_row:.3f} s for {count} rows")

            # Where the time goes (in this process; the server is idle by now)
            spare = []
            with contextlib.suppress(queue.Empty):
                for _ in range(1 + args.profile):
                    spare.append(pool_empty.get_nowait())
            breakdown: list[Breakdown] = []
            spare_full = None
            with contextlib.suppress(queue.Empty):
                spare_full = pool_full.get_nowait()
            if spare and spare_full:
                proposals = [
                    ("API proposal into *empty*", spare[0], data.empty_pk),
                    ("API proposal into *full*", spare_full, data.full_pk),
                ]
                breakdown, plans = in_process(api_token(port, *profiled), data.niks[0], proposals)
                EXPLAIN_OUT.parent.mkdir(parents=True, exist_ok=True)
                EXPLAIN_OUT.write_text(plans, encoding="utf-8")
            if args.profile and len(spare) > 1:
                text = profile(api_token(port, *profiled), data.niks[: args.profile], spare[1:], data.empty_pk)
                PROFILE_OUT.parent.mkdir(parents=True, exist_ok=True)
                PROFILE_OUT.write_text(text, encoding="utf-8")
                print(f"profile written to {PROFILE_OUT.relative_to(REPO)}, plans to {EXPLAIN_OUT.relative_to(REPO)}")
            stop_server(server)
            block = report(
                rows=args.workers,
                data=data,
                env=env,
                args=args,
                load_average=(load_before, load_after),
                loaded_s=loaded_s,
                searches=searches,
                search_medians=search_medians,
                rounds=rounds,
                raw=raw_figures,
                breakdown=breakdown,
                spied=spied,
                errors=errors,
                retries=retries,
            )
            publish(OUT, block)
        finally:
            stop_server(server)  # a no-op when it was stopped already


if __name__ == "__main__":
    main()
