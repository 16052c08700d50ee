"""``/metrics`` from a real ``lindung serve`` with two gunicorn processes: what each counted is added up."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

PAGES = 12


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server on 127.0.0.1
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_serve_adds_up_what_its_web_processes_counted_in_a_folder_it_emptied(tmp_path: Path) -> None:
    data = tmp_path / "var"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "LINDUNG_"))}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(LINDUNG_DATA_DIR=str(data), LINDUNG_SHUTDOWN_GRACE_SECONDS="20", LINDUNG_WEB_WORKERS="2")
    migrate = subprocess.run(
        [sys.executable, "-m", "lindung", "migrate", "-v0"], env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    stale = data / "metrics" / "counter_4242.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"a previous server's")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "lindung", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError("the web server did not answer")
        # Both processes up: each wrote its files when it loaded the application.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_pids(data / "metrics")) < 2:
            time.sleep(0.3)
        assert len(_pids(data / "metrics")) == 2, sorted(p.name for p in (data / "metrics").iterdir())
        assert not stale.exists()

        for _ in range(PAGES):
            assert _get(f"{base}/masuk/")[0] == 200
        status, text = _get(f"{base}/metrics")

        assert status == 200
        samples = {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        login = frozenset({"view": "login", "method": "GET", "status": "2xx"}.items())
        assert samples[("lindung_http_requests_total", login)] == PAGES
        assert samples[("lindung_http_requests_in_progress", frozenset())] == 1  # this scrape
        assert samples[("lindung_database_up", frozenset())] == 1

        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
        assert server.returncode == 0, output[-3000:]
    finally:
        server.kill()


def _pids(folder: Path) -> set[str]:
    """The processes that wrote counters into ``folder``."""
    return {
        match.group(1)
        for path in folder.glob("counter_*.db")
        if (match := re.fullmatch(r"counter_(\d+)\.db", path.name))
    }
