"""Load test: ``lindung serve`` over N workers in PostgreSQL, U simulated users of mixed roles for S seconds.

Usage (from the repository root; others benchmark on the same machine, so take the lock)::

    flock /tmp/lindung-bench.lock .venv/bin/python bench/load.py                 # 1,000,000 workers, 50 users, 300 s
    flock -s /tmp/lindung-bench.lock .venv/bin/python bench/load.py --rows 20000 --users 10 --seconds 30 --keep
    flock /tmp/lindung-bench.lock .venv/bin/python bench/load.py --reuse --keep  # the kept data again, test only

1. Drops and recreates the database and prepares it with the real CLI (``migrate``, ``regions load --prefix 61``,
   ``rules load``), loads N workers, one provincial programme open for proposals and one enrolment per worker
   (every 20th a proposal waiting for a verifier, every 20th + 1 ended), with the registry, billing and dashboard
   benchmarks' helpers; ``lindung dashboard refresh``'s service and ``VACUUM (ANALYZE)`` follow.
2. Starts ``lindung serve`` (gunicorn with ``LINDUNG_WEB_WORKERS`` x ``LINDUNG_WEB_THREADS`` and the task worker)
   on a free local port, exactly as an installation runs it, and waits for ``/readyz``.
3. Runs U simulated users, one thread each with its own HTTP connection (``http.client``, keep-alive), cookies
   and CSRF token: a province verifier (the first one a provincial administrator), regency operators spread
   over the regencies by population, a finance officer and the leadership (pimpinan). Each signs in once, then
   loops with a think time over its role's requests: the worker list, name and NIK searches (posted, then the
   redirected list), worker pages, the dashboard, registering a new worker and proposing them, verifying
   proposed enrolments, the budget, and now and then a small upload to ``/impor/`` (the task worker imports it).
   Every response is counted: a 5xx, a timeout, a refused connection or any status other than the one the
   step expects is an error.
4. Stops the server (SIGTERM, as a service manager would), prints a Markdown block (also written to
   ``bench/out/load.md``): throughput, p50/p95/p99 per kind of request and overall, the errors; and drops the
   database unless ``--keep``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime as dt
import http.client
import io
import os
import queue
import random
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

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
from dashboard import extend_period, vary_enrolments

# Python puts this script's folder first on sys.path: the sibling benchmarks import by their names.
from imports import HEADERS, typed_rows
from registry import (
    CHUNK,
    COMMON_FRAGMENT,
    SEED,
    SyntheticWorkers,
)

if TYPE_CHECKING:
    from lindung.programmes.models import Programme

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_load"
DEFAULT_ROWS = 1_000_000
DEFAULT_USERS = 50
DEFAULT_SECONDS = 300
TARGET_P95_MS = 300.0
TIMEOUT_S = 30.0  # a response slower than this is a timeout, an error
UPLOAD_ROWS = 10
POOL = CHUNK  # new people to register or upload during the run
PASSWORD = "beban-uji-2026"  # noqa: S105 - throw-away users of a throw-away database
OUT = REPO / "bench" / "out" / "load.md"


# Data


@dataclasses.dataclass
class Fixture:
    """What the simulated users pick from: existing workers per regency, proposals to verify, new people."""

    programme_pk: int
    workers: dict[str, list[tuple[int, str, str]]]  # regency -> (id, nik, name)
    proposed: queue.SimpleQueue[int]
    proposed_count: int
    new_people: dict[str, queue.SimpleQueue[tuple[object, ...]]]  # regency -> people to register or upload
    new_count: int


def load_data(rows: int) -> tuple[float, float]:
    """Workers, the programme, enrolments, summary tables; returns (load seconds, dashboard refresh seconds)."""
    from lindung.dashboard.services import dashboard_refresh

    started = time.perf_counter()
    load_workers(rows)
    programme = create_programme(rows)
    extend_period(programme)  # coverage into 2027: the programme is still running when the test runs
    programme.open_for_proposals = True
    programme.save(update_fields=["open_for_proposals"])
    load_enrolments(programme)
    vary_enrolments(programme)
    add_room(programme, rows)
    loaded = time.perf_counter() - started
    run = dashboard_refresh()
    vacuum_analyze()
    return loaded, run.seconds


def add_room(programme: Programme, rows: int) -> None:
    """A quota per regency with room to spare: a verifier needs one (the dashboard benchmark's quotas are full)."""
    from lindung.programmes.models import RegencyQuota
    from lindung.regions.models import Region

    regencies = Region.objects.filter(level=Region.Level.REGENCY, code__startswith=f"{PROVINCE}.")
    RegencyQuota.objects.bulk_create(
        RegencyQuota(programme=programme, regency_id=code, quota=2 * rows + 1_000)
        for code in regencies.values_list("code", flat=True)
    )


def bench_programme() -> Programme:
    from lindung.programmes.models import Programme

    programme = Programme.objects.filter(code__startswith="BENCH-", open_for_proposals=True).order_by("pk").first()
    if programme is None:
        raise SystemExit("no bench programme in this database: run without --reuse first")
    return programme


def new_people(existing: int) -> list[tuple[object, ...]]:
    """People not yet registered, for the registrations and uploads of the run: the registry's generator with
    another seed (a seed per database state, so that a --reuse run gets people the last run did not register),
    minus the rare NIK that an existing worker already holds."""
    from lindung.workers.models import Worker

    source = SyntheticWorkers(count=POOL, seed=SEED + 1 + existing)
    people = [row for chunk in source.chunks(CHUNK) for row in chunk]
    taken = set(Worker.objects.filter(nik__in=[row[0] for row in people]).values_list("nik", flat=True))
    return [row for row in people if row[0] not in taken]


def fixture() -> Fixture:
    from django.db import connection

    from lindung.enrolments.models import Status

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(id) FROM workers_worker")
        count, top = cursor.fetchone()
        # About 20,000 workers spread over the table (and so over the years of registration).
        step = max(1, int(top or 1) // 20_000)
        cursor.execute("SELECT id, nik, name, regency_code FROM workers_worker WHERE id %% %s = 0", [step])
        workers: dict[str, list[tuple[int, str, str]]] = {}
        for pk, nik, name, regency in cursor.fetchall():
            workers.setdefault(regency, []).append((pk, nik, name))
        cursor.execute(
            "SELECT id FROM enrolments_enrolment WHERE status = %s ORDER BY random() LIMIT 50000",
            [Status.PROPOSED.value],
        )
        proposed_ids = [row[0] for row in cursor.fetchall()]
    proposed: queue.SimpleQueue[int] = queue.SimpleQueue()
    for pk in proposed_ids:
        proposed.put(pk)
    people: dict[str, queue.SimpleQueue[tuple[object, ...]]] = {}
    fresh = new_people(int(count))
    for row in fresh:
        people.setdefault(str(row[12]), queue.SimpleQueue()).put(row)
    return Fixture(
        programme_pk=bench_programme().pk,
        workers=workers,
        proposed=proposed,
        proposed_count=len(proposed_ids),
        new_people=people,
        new_count=len(fresh),
    )


# Users


@dataclasses.dataclass(frozen=True)
class Persona:
    username: str
    role: str
    region: str


def personas(count: int) -> list[Persona]:
    """Mixed roles, in the shares of a provincial roll-out: 60 % regency operators (spread over the regencies by
    population, so Pontianak and Sambas have the most), 16 % province verifiers (the first a provincial
    administrator), 12 % finance, 12 % leadership; at least one of each once there are four users."""
    from lindung.accounts.models import Role
    from lindung.demo.generate import REGENCY_WEIGHTS

    verifiers = max(1, round(count * 0.16))
    finance = max(1, round(count * 0.12)) if count >= 3 else 0
    leaders = max(1, round(count * 0.12)) if count >= 4 else 0
    operators = max(0, count - verifiers - finance - leaders)
    regencies = sorted(REGENCY_WEIGHTS, key=lambda code: -REGENCY_WEIGHTS[code])
    # Largest remainder over the weights, then round-robin from the largest so that every operator has a regency.
    total = sum(REGENCY_WEIGHTS.values())
    shares = {code: operators * REGENCY_WEIGHTS[code] // total for code in regencies}
    for code in regencies[: operators - sum(shares.values())]:
        shares[code] += 1
    result = [
        Persona(
            f"load_verifikator_{i}" if i else "load_admin_provinsi",
            Role.VERIFIKATOR if i else Role.ADMIN_PROVINSI,
            PROVINCE,
        )
        for i in range(verifiers)
    ]
    result += [
        Persona(f"load_operator_{code.replace('.', '')}_{i}", Role.OPERATOR_KABUPATEN, code)
        for code in regencies
        for i in range(shares[code])
    ]
    result += [Persona(f"load_keuangan_{i}", Role.KEUANGAN, PROVINCE) for i in range(finance)]
    result += [Persona(f"load_pimpinan_{i}", Role.PIMPINAN, PROVINCE) for i in range(leaders)]
    return result


def create_users(people: list[Persona]) -> None:
    """Real accounts with the installation's password hasher: the server checks the password at sign-in."""
    from django.contrib.auth.hashers import make_password
    from django.utils.module_loading import import_string

    from lindung import settings as installation
    from lindung.accounts.models import User

    # The installation's own hasher (Argon2, slow on purpose): setup_django gave this process a fast one, which the
    # server would not accept. One hash for all the users: a salt of its own each adds nothing here.
    hashed = make_password(PASSWORD, hasher=import_string(installation.PASSWORD_HASHERS[0])())
    # Kept from an earlier run (--reuse): the audit log and the workers they registered protect them.
    User.objects.bulk_create(
        (User(username=p.username, role=p.role, region_id=p.region, password=hashed, is_active=True) for p in people),
        ignore_conflicts=True,
    )


# The server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    from common import lindung_executable

    with log.open("wb") as out:
        server = subprocess.Popen(
            [lindung_executable(), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"lindung serve exited with {server.returncode}; see {log}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return server
        time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"lindung serve did not answer /readyz within 60 s; see {log}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# Where the CPU goes: the server's processes, PostgreSQL's, and this client, read from /proc (Linux)


def _process_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds used so far)."""
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
        # After the name: state, ppid, ... utime is the 14th field of the line, stime the 15th.
        table[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / ticks)
    return table


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's process tree, by every PostgreSQL process on this machine (other
    users' included: approximate on a shared machine) and by this process (the simulated users)."""
    table = _process_table()
    tree, grew = {server_pid}, True
    while grew:
        before = len(tree)
        tree |= {pid for pid, (parent, _, _) in table.items() if parent in tree}
        grew = len(tree) > before
    return {
        "server": sum(table[pid][2] for pid in tree if pid in table),
        "postgres": sum(cpu for _, name, cpu in table.values() if name.startswith("postgres")),
        "client": table.get(os.getpid(), (0, "", 0.0))[2],
    }


# The client


@dataclasses.dataclass(frozen=True)
class Sample:
    kind: str
    started: float  # seconds since the test's start
    ms: float
    status: int  # 0: no response (timeout, refused, reset)
    error: str  # empty when the response was the expected one


class StepFailed(Exception):
    """A response other than expected: the rest of the user's action (which needs it) is skipped."""


class Browser:
    """One user's connection, cookies and CSRF token; every request is timed and recorded."""

    def __init__(self, port: int, samples: list[Sample], epoch: float) -> None:
        self.port, self.samples, self.epoch = port, samples, epoch
        self.cookies: dict[str, str] = {"django_language": "id"}
        self.connection: http.client.HTTPConnection | None = None
        self.reused = False
        self.retries = 0  # requests sent again after the server closed an idle connection

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        body: bytes | None = None,
        content_type: str = "",
        expect: int = 200,
    ) -> tuple[int, str, str]:
        """(status, Location, body); records the sample; raises StepFailed on anything but ``expect``."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        status, location, text, error = 0, "", "", ""
        try:
            try:
                response = self._send(method, path, body, headers)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if not self.reused:
                    raise
                # The server closed the idle kept-alive connection as the request left (gunicorn's keep-alive is
                # 2 s): a browser sends it again on a new connection, and so do we, once. Counted, not an error.
                self._close()
                self.retries += 1
                response = self._send(method, path, body, headers)
            text = response.read().decode("utf-8", "replace")
            status, location = response.status, response.getheader("Location", "")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.will_close:
                self._close()
        except TimeoutError:
            error = "timeout"
            self._close()
        except (OSError, http.client.HTTPException) as exc:
            error = f"no response: {type(exc).__name__}"
            self._close()
        ms = (time.perf_counter() - started) * 1000
        if not error and status != expect:
            error = f"HTTP {status}, expected {expect}" + (f" ({location})" if location else "")
        self.samples.append(Sample(kind, started - self.epoch, ms, status, error))
        if error:
            raise StepFailed(error)
        return status, location, text

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> http.client.HTTPResponse:
        self.reused = self.connection is not None
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)
        self.connection.request(method, path, body=body, headers=headers)
        return self.connection.getresponse()

    def follow(self, kind: str, location: str) -> str:
        """The GET a browser sends after a redirect (Location is absolute or a path)."""
        parts = urlsplit(location)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.request(kind, "GET", path)[2]

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


_ID_IN = re.compile(r"/(\d+)/$")


def id_in(location: str) -> int:
    match = _ID_IN.search(urlsplit(location).path)
    if not match:
        raise StepFailed(f"no id in {location}")
    return int(match.group(1))


@dataclasses.dataclass
class User:
    persona: Persona
    browser: Browser
    data: Fixture
    rng: random.Random
    uploaded: bool = False

    def sign_in(self) -> None:
        self.browser.request("sign-in", "GET", "/masuk/")
        _, location, _ = self.browser.request(
            "sign-in", "POST", "/masuk/", form={"username": self.persona.username, "password": PASSWORD}, expect=302
        )
        self.browser.follow("home", location)

    # Which workers the user sees: their regency's, or the whole province's.
    def some_worker(self) -> tuple[int, str, str]:
        region = self.persona.region
        pool = self.data.workers.get(region) or self.data.workers[self.rng.choice(sorted(self.data.workers))]
        return self.rng.choice(pool)

    def worker_list(self) -> None:
        self.browser.request("worker list", "GET", "/pekerja/")

    def search(self, kind: str, text: str) -> None:
        _, location, _ = self.browser.request(f"{kind}: POST", "POST", "/pekerja/", form={"q": text}, expect=303)
        self.browser.follow(f"{kind}: results", location)

    def search_name(self) -> None:
        # A third the common fragment (thousands of matches), the rest a worker's full name as typed.
        text = COMMON_FRAGMENT if self.rng.random() < 1 / 3 else self.some_worker()[2].lower()
        self.search("name search", text)

    def search_nik(self) -> None:
        self.search("NIK search", self.some_worker()[1])

    def worker_detail(self) -> None:
        self.browser.request("worker page", "GET", f"/pekerja/{self.some_worker()[0]}/")

    def dashboard(self) -> None:
        self.browser.request("dashboard", "GET", "/dasbor/")

    def dashboard_regency(self) -> None:
        regency = self.rng.choice(sorted(self.data.workers))
        self.browser.request("dashboard, one regency", "GET", f"/dasbor/?{urlencode({'region': regency})}")

    def budget(self) -> None:
        self.browser.request("budget", "GET", "/anggaran/")

    def invoices(self) -> None:
        self.browser.request("invoice list", "GET", "/iuran/")

    def enrolments_proposed(self) -> None:
        self.browser.request("enrolment list, proposed", "GET", "/kepesertaan/?status=diusulkan")

    def new_person(self) -> tuple[object, ...] | None:
        """Someone not registered yet, living in the user's regency (any regency for a province user)."""
        region = self.persona.region
        regency = region if region != PROVINCE else self.rng.choice(sorted(self.data.new_people))
        try:
            return self.data.new_people[regency].get_nowait()
        except (KeyError, queue.Empty):
            return None

    def register_and_propose(self) -> None:
        """The form, then a new worker posted (no heirs), then the proposal form and its post."""
        person = self.new_person()
        if person is None:
            return
        nik, name, birth_place, birth_date, sex, address, phone, occupation, kk, mother, village = person[:11]
        assert isinstance(birth_date, dt.date)
        self.browser.request("registration form", "GET", "/pekerja/daftar/")
        form = {
            "nik": str(nik),
            "name": str(name),
            "birth_place": str(birth_place),
            "birth_date": birth_date.isoformat(),
            "sex": str(sex),
            "address": str(address),
            "village": str(village),
            "phone": str(phone),
            "occupation": str(occupation),
            "declared_income": "1000000",
            "kk_number": str(kk),
            "mother_maiden_name": str(mother),
            "confirm_likely_duplicate": "on",
            "heirs-TOTAL_FORMS": "0",
            "heirs-INITIAL_FORMS": "0",
            "heirs-MIN_NUM_FORMS": "0",
            "heirs-MAX_NUM_FORMS": "20",
        }
        _, location, _ = self.browser.request(
            "register worker: POST", "POST", "/pekerja/daftar/", form=form, expect=302
        )
        worker_id = id_in(location)
        self.browser.follow("worker page", location)
        propose = f"/kepesertaan/usulkan/{worker_id}/"
        self.browser.request("proposal form", "GET", propose)
        _, location, _ = self.browser.request(
            "propose: POST", "POST", propose, form={"programme": str(self.data.programme_pk)}, expect=302
        )
        self.browser.follow("enrolment page", location)

    def verify(self) -> None:
        try:
            pk = self.data.proposed.get_nowait()
        except queue.Empty:
            self.enrolments_proposed()
            return
        self.browser.request("enrolment page", "GET", f"/kepesertaan/{pk}/")
        _, location, _ = self.browser.request(
            "verify: POST", "POST", f"/kepesertaan/{pk}/verifikasi/", form={}, expect=302
        )
        self.browser.follow("enrolment page", location)

    def upload(self) -> None:
        """A small CSV typed as regencies type it (the import benchmark's rows), then its page once."""
        if self.uploaded:  # once per user: a few small uploads beside the clicks, not a stream of them
            return
        self.uploaded = True
        rows = [person for person in (self.new_person() for _ in range(UPLOAD_ROWS)) if person is not None]
        if not rows:
            return
        self.browser.request("upload form", "GET", "/impor/")
        text = io.StringIO()
        writer = csv.writer(text, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(cells for cells, _ in typed_rows([rows]))
        boundary = uuid.uuid4().hex
        fields = {"programme": str(self.data.programme_pk), "csrfmiddlewaretoken": self.browser.cookies["csrftoken"]}
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="usulan.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
            + ("\ufeff" + text.getvalue()).encode("utf-8")
            + f"\r\n--{boundary}--\r\n".encode()
        )
        _, location, _ = self.browser.request(
            "upload: POST",
            "POST",
            "/impor/",
            body=b"".join(parts),
            content_type=f"multipart/form-data; boundary={boundary}",
            expect=302,
        )
        self.browser.follow("upload page", location)

    def actions(self) -> list[tuple[Callable[[], None], int]]:
        """The role's requests with their weights (how often a loop picks each)."""
        from lindung.accounts.models import Role

        reading = [(self.worker_list, 15), (self.search_name, 15), (self.search_nik, 15), (self.worker_detail, 20)]
        role = self.persona.role
        if role == Role.OPERATOR_KABUPATEN:
            return [*reading, (self.dashboard, 10), (self.register_and_propose, 10), (self.upload, 1)]
        if role in (Role.VERIFIKATOR, Role.ADMIN_PROVINSI):
            return [*reading, (self.dashboard, 5), (self.enrolments_proposed, 10), (self.verify, 40)]
        if role == Role.KEUANGAN:
            return [
                (self.dashboard, 30),
                (self.budget, 30),
                (self.invoices, 20),
                (self.worker_list, 10),
                (self.search_name, 10),
            ]
        return [
            (self.dashboard, 40),
            (self.dashboard_regency, 20),
            (self.worker_list, 15),
            (self.search_name, 15),
            (self.worker_detail, 10),
        ]


def simulate(user: User, *, deadline: float, think: float) -> None:
    """Sign in, then loop until the deadline: pick a request by weight, send it, think."""
    with contextlib.suppress(StepFailed):
        user.sign_in()
    steps, weights = zip(*user.actions(), strict=True)
    while time.monotonic() < deadline:
        step = user.rng.choices(steps, weights=weights)[0]
        with contextlib.suppress(StepFailed):
            step()
        time.sleep(user.rng.uniform(0.5 * think, 1.5 * think))


@dataclasses.dataclass
class Run:
    samples: list[Sample]
    seconds: float  # from the first user's start to the last user's end
    users: int
    retries: int
    cpu: dict[str, float] = dataclasses.field(default_factory=dict)  # CPU seconds during the test, by group


def run_users(people: list[Persona], data: Fixture, port: int, *, seconds: float, think: float) -> Run:
    epoch = time.perf_counter()
    deadline = time.monotonic() + seconds
    buckets: list[list[Sample]] = []
    browsers: list[Browser] = []
    threads = []
    for i, persona in enumerate(people):
        samples: list[Sample] = []
        buckets.append(samples)
        browsers.append(Browser(port, samples, epoch))
        user = User(persona, browsers[-1], data, random.Random(SEED + i))
        thread = threading.Thread(target=simulate, args=(user,), kwargs={"deadline": deadline, "think": think})
        threads.append(thread)
    # The users arrive over the first tenth of the test (at most 15 s): signing in is slow on purpose (Argon2),
    # and fifty sign-ins at the same instant are not what an office does at 8 o'clock either.
    ramp = min(15.0, seconds / 10)
    for thread in threads:
        thread.start()
        time.sleep(ramp / len(threads))
    for thread in threads:
        thread.join()
    samples = [s for bucket in buckets for s in bucket]
    return Run(samples, time.perf_counter() - epoch, len(people), sum(b.retries for b in browsers))


# Report


@dataclasses.dataclass(frozen=True)
class KindFigure:
    kind: str
    count: int
    errors: int
    p50: float
    p95: float
    p99: float
    worst: float


def percentiles(label: str, samples: list[Sample]) -> KindFigure:
    times = sorted(s.ms for s in samples)
    cuts = [times[0]] * 99 if len(times) == 1 else statistics.quantiles(times, n=100, method="inclusive")
    return KindFigure(label, len(times), sum(1 for s in samples if s.error), cuts[49], cuts[94], cuts[98], times[-1])


def figures_by_kind(samples: list[Sample]) -> list[KindFigure]:
    kinds: dict[str, list[Sample]] = {}
    for sample in samples:
        kinds.setdefault(sample.kind, []).append(sample)
    figures = [percentiles(kind, found) for kind, found in kinds.items()]
    return sorted(figures, key=lambda figure: -figure.p95)


def server_settings(env: dict[str, str]) -> str:
    from django.conf import settings

    return (
        f"`lindung serve`: gunicorn {settings.LINDUNG_WEB_WORKERS} processes x {settings.LINDUNG_WEB_THREADS} "
        f"threads, {settings.LINDUNG_TASK_WORKERS} task worker; the database, the server and the simulated users "
        "on the same machine"
    )


def import_outcome() -> str:
    from lindung.imports.models import ImportBatch

    batches = ImportBatch.objects.filter(uploaded_by__username__startswith="load_")
    states: dict[str, int] = {}
    for status in batches.values_list("status", flat=True):
        states[str(status)] = states.get(str(status), 0) + 1
    return ", ".join(f"{count} {status}" for status, count in sorted(states.items())) or "none"


def report(
    *,
    run: Run,
    data: Fixture,
    rows: int,
    env: dict[str, str],
    load_average: tuple[float, float],
    think: float,
    loading: tuple[float, float] | None,
    people: list[Persona],
    uploads: str,
) -> str:
    samples = run.samples
    overall = percentiles("all requests", samples) if samples else None
    by_kind = figures_by_kind(samples)
    errors = [s for s in samples if s.error]
    missed = [f for f in by_kind if f.p95 >= TARGET_P95_MS]
    roles: dict[str, int] = {}
    for persona in people:
        roles[persona.role] = roles.get(persona.role, 0) + 1
    verdict = []
    if overall:
        verdict.append(
            f"overall p95 {overall.p95:.0f} ms {'<' if overall.p95 < TARGET_P95_MS else '≥'} {TARGET_P95_MS:.0f} ms"
        )
    verdict.append(f"{len(errors)} errors" if errors else "no error")
    if missed:
        verdict.append("p95 over target: " + ", ".join(f"{f.kind} ({f.p95:.0f} ms)" for f in missed))
    lines = [
        f"### Load test, {run.users} users over {rows:,} workers "
        f"({dt.date.today().isoformat()}, revision {git_revision()})",
        "",
        *environment_lines(load_average),
        f"- Server: {server_settings(env)}.",
        f"- Data: {rows:,} workers, one provincial programme open for proposals with one enrolment each "
        f"({data.proposed_count:,} proposals waiting for a verifier)"
        + (f"; loaded in {loading[0]:.0f} s, dashboard figures refreshed in {loading[1]:.1f} s." if loading else "."),
        "- Users: "
        + ", ".join(f"{count} {role}" for role, count in roles.items())
        + f"; each signs in once, then loops for {run.seconds:.0f} s with a think time of {0.5 * think:.1f} to "
        f"{1.5 * think:.1f} s over its role's requests (a POST and the page it redirects to are two requests). "
        f"Uploads of {UPLOAD_ROWS} rows: {uploads}.",
        f"- Throughput: **{len(samples) / run.seconds:.1f} requests/s** ({len(samples):,} requests in "
        f"{run.seconds:.0f} s); errors: **{len(errors)}** (a 5xx, a timeout of {TIMEOUT_S:.0f} s, no response or "
        f"an unexpected status); {run.retries} requests sent again on a new connection after the server had "
        "closed the idle one as they left (as a browser does; timed with the retry).",
        "- CPU during the test: "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in run.cpu.items())
        + f" of the {(os.cpu_count() or 1) * run.seconds:.0f} core-seconds the machine had (`/proc`; server: "
        "`lindung serve` and its children, gunicorn and the task worker; postgres: every PostgreSQL process of the "
        f"machine; client: the simulated users); {sum(run.cpu.values()) * 1000 / max(len(samples), 1):.0f} ms "
        "of CPU per request.",
        f"- Verdict (target: p95 under {TARGET_P95_MS:.0f} ms and no error): {'; '.join(verdict)}.",
        "",
        "| request | count | errors | p50 | p95 | p99 | max |",
        "|---|---|---|---|---|---|---|",
    ]
    for figure in ([overall] if overall else []) + by_kind:
        name = f"**{figure.kind}**" if figure is overall else figure.kind
        lines.append(
            f"| {name} | {figure.count:,} | {figure.errors} | {figure.p50:.0f} ms | {figure.p95:.0f} ms "
            f"| {figure.p99:.0f} ms | {figure.worst:.0f} ms |"
        )
    if errors:
        distinct: dict[str, int] = {}
        for sample in errors:
            key = f"{sample.kind}: {sample.error}"
            distinct[key] = distinct.get(key, 0) + 1
        lines += ["", "Errors:", ""]
        lines += [f"- {count} × {key}" for key, count in sorted(distinct.items(), key=lambda item: -item[1])[:15]]
    return "\n".join(lines) + "\n"


# Over the benchmarks' environment: the hosts a real client sends.
LOAD_ENV = {"LINDUNG_SECRET_KEY": "bench-load-not-secret", "LINDUNG_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver"}


def timeline(samples: list[Sample], seconds: float) -> Iterator[str]:
    """Requests and p95 per 30 s, to see whether the run was steady (printed, not in the block)."""
    for start in range(0, int(seconds) + 1, 30):
        window = [s.ms for s in samples if start <= s.started < start + 30]
        if len(window) > 1:
            p95 = statistics.quantiles(window, n=100, method="inclusive")[94]
            yield f"  {start:4d}-{start + 30:<4d} s: {len(window):6d} requests, p95 {p95:6.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"Workers (default {DEFAULT_ROWS:,}).")
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help=f"Simulated users (default {DEFAULT_USERS}).")
    parser.add_argument(
        "--seconds", type=float, default=DEFAULT_SECONDS, help=f"Length of the test (default {DEFAULT_SECONDS})."
    )
    parser.add_argument("--think", type=float, default=1.0, help="Mean think time between requests, s (default 1).")
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the server log) afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Use the kept database as it is: run the test only.")
    args = parser.parse_args()
    if args.rows < 1_000:
        parser.error("--rows: at least 1,000")
    if args.users < 1:
        parser.error("--users: at least 1")

    loading = None
    with bench_database(
        args.database_url, prefix="lindung-bench-load-", keep=args.keep, reuse=args.reuse, extra_env=LOAD_ENV
    ) as bench:
        env, work_dir = bench.env, bench.work_dir
        if not args.reuse:
            print(f"loading {args.rows:,} workers and enrolments", flush=True)
            loading = load_data(args.rows)
        else:
            vacuum_analyze()
        from lindung.workers.models import Worker

        rows = Worker.objects.count()
        people = personas(args.users)
        create_users(people)
        data = fixture()
        port = free_port()
        print(f"starting lindung serve on port {port} (log {work_dir / 'serve.log'})", flush=True)
        server = start_server(env, port, work_dir / "serve.log")
        try:
            load_before = os.getloadavg()[0]
            print(f"{len(people)} users for {args.seconds:.0f} s", flush=True)
            cpu_before = cpu_seconds(server.pid)
            run = run_users(people, data, port, seconds=args.seconds, think=args.think)
            cpu_after = cpu_seconds(server.pid)
            run.cpu = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
            load_after = os.getloadavg()[0]
            for line in timeline(run.samples, run.seconds):
                print(line)
            stop_server(server)
            block = report(
                run=run,
                data=data,
                rows=rows,
                env=env,
                load_average=(load_before, load_after),
                think=args.think,
                loading=loading,
                people=people,
                uploads=import_outcome(),
            )
            publish(OUT, block)
        finally:
            stop_server(server)  # a no-op when it was stopped already


if __name__ == "__main__":
    main()
