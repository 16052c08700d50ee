"""In Chromium against ``lindung serve`` itself (gunicorn, its task worker, the collected static files), not the
test server: a day's work from login to logout, and a stop while an import runs.

The served installation is made once for the module, as ``lindung demo --no-serve`` makes it, in a data folder of
its own: on SQLite its own database file (the suite's test database lives in memory, out of the server's reach);
on PostgreSQL a database of its own beside the suite's test database, on the same server with the same role,
dropped afterwards (the suite's test database is flushed between browser tests, under the server's feet).

Every server runs in its own process group, which is killed whatever happens; waits poll with deadlines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from lindung.browser_testing import open_page
from lindung.imports.tests.conftest import person, write_csv, write_xlsx
from lindung.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

# The Makefile's public test key.
SECRET_KEY = "lindung-test-only-key-public-never-use-in-production"
OPERATOR = "operator_sambas"
# A hashed static file, as CompressedManifestStaticFilesStorage names it: lindung.0123456789ab.css
HASHED = re.compile(r"^/static/[\w/.-]+\.[0-9a-f]{12}\.(css|js)$")


COLLECT = "from lindung.server.static import static_collect; print('COLLECTED', static_collect())"


@dataclass
class Installation:
    env: dict[str, str]
    data_dir: Path
    programme: str  # the demo's running provincial programme, KALBAR-<its year>


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _lindung(env: dict[str, str], *args: str, timeout: float = 240) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "lindung", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done.stdout


def _query(env: dict[str, str], code: str) -> dict[str, object]:
    """What ``code`` (Python run by ``lindung shell``, ending by printing ``RESULT`` + JSON) found in the
    served database."""
    printed = _lindung(env, "shell", "-c", code)
    line = next(line for line in printed.splitlines() if line.startswith("RESULT "))
    result: dict[str, object] = json.loads(line.removeprefix("RESULT "))
    return result


def _postgres_database(name: str) -> tuple[str, Iterator[None]]:
    """A new database ``name`` on the test database's server (its URL), and a generator that drops it."""
    s = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        dbname="postgres",
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=str(s["PORT"]) if s["PORT"] else None,
    )
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> Iterator[None]:
        yield
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    auth = (s["USER"] or "") + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    return url, drop()


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    data_dir = tmp_path_factory.mktemp("served")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "LINDUNG_"))}
    env.update(
        LINDUNG_DATA_DIR=str(data_dir),
        LINDUNG_SECRET_KEY=SECRET_KEY,
        LINDUNG_DEMO_PASSWORD=TEST_PASSWORD,
        LINDUNG_WEB_WORKERS="1",
        LINDUNG_LOG_FORMAT="plain",
    )
    cleanup: Iterator[None] | None = None
    if connection.vendor == "postgresql":
        # Named after the suite's test database (LINDUNG_TEST_DATABASE_NAME), whether or not it exists yet.
        test_name = str((connection.settings_dict.get("TEST") or {}).get("NAME") or connection.settings_dict["NAME"])
        test_name = test_name if test_name.startswith("test_") else f"test_{test_name}"
        env["DATABASE_URL"], cleanup = _postgres_database(f"{test_name[:50]}_serve")
        next(cleanup)
    try:
        # The static files are collected (as the first `lindung serve` would) while the demo loads.
        collecting = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "lindung", "shell", "-c", COLLECT],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        printed = _lindung(env, "demo", "--no-serve", "--workers", "30")
        collected, _ = collecting.communicate(timeout=240)
        assert collecting.returncode == 0 and "COLLECTED True" in collected, collected[-3000:]
        year = max(int(found) for found in re.findall(r"KALBAR-(\d{4})", printed))
        yield Installation(env=env, data_dir=data_dir, programme=f"KALBAR-{year}")
    finally:
        if cleanup is not None:
            next(cleanup, None)


@pytest.fixture
def served(installation: Installation, request: pytest.FixtureRequest) -> Iterator[Served]:
    """``lindung serve`` on a free port, ready (``/readyz``: database, migrations, a worker's heartbeat);
    settings from the test's parameter (``indirect``) added to the installation's."""
    port = _free_port()
    env = {**installation.env, **getattr(request, "param", {})}
    log = installation.data_dir / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "lindung", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn and the worker go with it
        )
    server = Served(process=process, url=f"http://127.0.0.1:{port}", log=log)
    try:
        _wait_ready(server)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _wait_ready(server: Served, *, seconds: float = 90) -> None:
    """The first start collects the static files (seconds) before the web server starts."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"lindung serve exited:\n{server.output()[-3000:]}"
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{server.url}/readyz", timeout=5) as response:  # noqa: S310
            if response.status == 200:
                return
        time.sleep(0.3)
    raise AssertionError(f"lindung serve was not ready within {seconds:.0f} s:\n{server.output()[-3000:]}")


@pytest.fixture
def served_page(
    browser: Browser, served: Served, request: pytest.FixtureRequest, test_results_dir: Path
) -> Iterator[Page]:
    with open_page(browser, served.url, request, test_results_dir) as page:
        yield page


def _stop(server: Served, *, seconds: float = 60) -> str:
    """SIGTERM to ``lindung serve`` alone, as systemd sends it; its exit status must be 0. Returns its output."""
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"lindung serve did not stop within {seconds:.0f} s:\n{server.output()[-3000:]}") from None
    output = server.output()
    assert server.process.returncode == 0, output[-3000:]
    assert "serve: stopped" in output
    return output


def _log_in(page: Page, served: Served) -> None:
    page.goto("/masuk/")
    page.locator('input[name="username"]').fill(OPERATOR)
    page.locator('input[name="password"]').fill(TEST_PASSWORD)
    page.locator('main form[data-testid="login"] button[type="submit"]').click()
    page.wait_for_url(f"{served.url}/")
    expect(page.get_by_test_id("whoami")).to_be_visible()


def _upload(page: Page, programme: str, path: Path) -> int:
    """Upload ``path`` at /impor/ for ``programme``; the upload's id (its page's)."""
    page.goto("/impor/")
    form = page.get_by_test_id("upload-form")
    option = form.locator('select[name="programme"] option', has_text=programme)
    form.locator('select[name="programme"]').select_option(option.get_attribute("value"))
    form.locator('input[name="file"]').set_input_files(str(path))
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/impor/\d+/$"), timeout=60_000)
    found = re.search(r"/impor/(\d+)/$", page.url)
    assert found is not None
    return int(found.group(1))


def _workers(count: int, *, serial: int) -> list[dict[str, object]]:
    """``count`` new Sambas workers of different birthdays (structurally valid NIKs, unlike the demo's)."""
    rows = []
    for number in range(count):
        born = dt.date(1966, 1, 1) + dt.timedelta(days=number % 12_000)
        nik = f"610101{born:%d%m%y}{serial + number // 12_000:04d}"
        rows.append(person(nik, **{"Tanggal Lahir": born.strftime("%d/%m/%Y")}))
    return rows


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server on 127.0.0.1
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, {key.lower(): value for key, value in response.headers.items()}, response.read()


_NOTHING_RUNNING = """
import json
from django_tasks_db.models import DBTaskResult
from lindung.imports.models import ImportBatch
batch = ImportBatch.objects.filter(pk={batch}).values("status", "imported", "task_id").first()
task = DBTaskResult.objects.filter(id=batch["task_id"]).values("status", "exception_class_path").first()
print("RESULT " + json.dumps({{
    "batch": batch["status"],
    "imported": batch["imported"],
    "task": task["status"],
    "exception": task["exception_class_path"],
    "running_tasks": DBTaskResult.objects.filter(status="RUNNING").count(),
    "running_imports": ImportBatch.objects.filter(status__in=["queued", "running"]).count(),
    "workers": __import__("lindung.workers.models", fromlist=["Worker"]).Worker.objects.filter(
        nik__in={niks}).count(),
}}))
"""


def test_a_day_on_lindung_serve_login_import_recompute_logout(
    served_page: Page, served: Served, installation: Installation, tmp_path: Path
) -> None:
    page = served_page
    _log_in(page, served)

    # The pages name the static files by their hash; the files come compressed, to be kept a year.
    stylesheets = page.locator('link[rel="stylesheet"]').evaluate_all("links => links.map(l => l.getAttribute('href'))")
    scripts = page.locator("script[src]").evaluate_all("scripts => scripts.map(s => s.getAttribute('src'))")
    assert stylesheets and scripts
    assert all(HASHED.match(href) for href in [*stylesheets, *scripts]), [*stylesheets, *scripts]
    for encoding in ("br", "gzip"):
        status, headers, body = _get(served.url + stylesheets[0], **{"Accept-Encoding": encoding})
        assert (status, headers.get("content-encoding")) == (200, encoding)
        assert "immutable" in headers["cache-control"] and "accept-encoding" in headers["vary"].lower()
    status, headers, plain = _get(served.url + stylesheets[0], **{"Accept-Encoding": "identity"})
    assert status == 200 and "content-encoding" not in headers and len(plain) > len(body)
    # The page's security headers come with it: its scripts are ours only.
    status, headers, _ = _get(served.url + "/masuk/")
    assert "script-src 'self'" in headers["content-security-policy"]

    # An upload: the task worker that lindung serve runs imports it while the page waits.
    rows = _workers(3, serial=8000)
    batch = _upload(page, installation.programme, write_xlsx(tmp_path / "usulan.xlsx", rows))
    expect(page.get_by_test_id("imported")).to_have_text("3", timeout=45_000)
    expect(page.get_by_test_id("rejected")).to_have_text("0")
    expect(page.get_by_test_id("pending")).to_have_count(0)
    expect(page.get_by_test_id("failed")).to_have_count(0)

    # The dashboard's figures recomputed by the worker, seen by their new computation time.
    page.goto("/dasbor/")
    before = page.get_by_test_id("as-of").get_attribute("data-computed-at")
    page.get_by_test_id("refresh").click()
    page.wait_for_url(re.compile(r"/dasbor/"))
    expect(page.locator("ul.messages li.success")).to_have_count(1)
    deadline = time.monotonic() + 45
    after = before
    while after == before and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
        after = page.get_by_test_id("as-of").get_attribute("data-computed-at")
    assert after and after != before, f"the figures were not recomputed (as of {before})"
    expect(page.get_by_test_id("total-covered")).to_be_visible()

    page.locator('form[action="/keluar/"] button').click()
    expect(page.get_by_test_id("whoami")).to_have_count(0)
    page.goto("/impor/")
    page.wait_for_url(re.compile(r"/masuk/"))

    _stop(served)
    niks = [row["NIK"] for row in rows]
    found = _query(installation.env, _NOTHING_RUNNING.format(batch=batch, niks=niks))
    assert found == {
        "batch": "completed",
        "imported": 3,
        "task": "SUCCESSFUL",
        "exception": "",
        "running_tasks": 0,
        "running_imports": 0,
        "workers": 3,
    }


@pytest.mark.parametrize("served", [{"LINDUNG_SHUTDOWN_GRACE_SECONDS": "1"}], indirect=True)
def test_lindung_serve_stopped_during_an_import_leaves_no_job_running(
    served_page: Page, served: Served, installation: Installation, tmp_path: Path
) -> None:
    """80,000 rows take the worker about ten seconds; the stop gives it one before it abandons the job. The
    upload is then failed (its one transaction rolled back: no worker written) or, on a very fast machine,
    completed; never left running, nor its task."""
    page = served_page
    _log_in(page, served)
    rows = _workers(80_000, serial=9000)
    batch = _upload(page, installation.programme, write_csv(tmp_path / "besar.csv", rows))
    # The page reloads itself every two seconds while the upload waits or runs.
    expect(page.locator('[data-testid="pending"][data-status="running"]')).to_have_count(1, timeout=45_000)

    output = _stop(served)
    sample = [row["NIK"] for row in rows[:: len(rows) // 50]]
    found = _query(installation.env, _NOTHING_RUNNING.format(batch=batch, niks=sample))
    assert (found["running_tasks"], found["running_imports"]) == (0, 0), found
    if "abandoning its job" in output:
        assert found["batch"] == "failed" and found["task"] == "FAILED", found
        assert (found["imported"], found["workers"]) == (0, 0), found
    else:
        assert (found["batch"], found["task"], found["workers"]) == ("completed", "SUCCESSFUL", len(sample)), found
