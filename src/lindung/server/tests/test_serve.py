"""``lindung serve`` for real: gunicorn and the task worker on a fresh SQLite installation, then a stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _lindung(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "lindung", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def test_serve_answers_runs_a_job_and_stops_on_sigterm_leaving_nothing_running(tmp_path: Path) -> None:
    # Its own embedded database, whatever the suite runs on: the server's processes cannot see a test database.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "LINDUNG_"))}
    env.update(LINDUNG_DATA_DIR=str(tmp_path / "var"), LINDUNG_SHUTDOWN_GRACE_SECONDS="20", LINDUNG_WEB_WORKERS="1")
    _lindung(env, "migrate", "-v0")
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "lindung", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/masuk/", timeout=5) as response:
                    status = response.status
            except OSError:
                time.sleep(0.3)
        assert status == 200, "the web server did not answer"
        deadline = time.monotonic() + 30
        ready = None
        while time.monotonic() < deadline and ready != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
                    ready = response.status
            except OSError:  # 503 until the worker's first heartbeat
                time.sleep(0.3)
        assert ready == 200, "not ready: the task worker showed no life"
        task_id = _lindung(
            env,
            "shell",
            "-c",
            "from lindung.dashboard.tasks import dashboard_refresh_task; "
            "print('TASK', dashboard_refresh_task.enqueue().id)",
        ).removeprefix("TASK ")
        check = (
            f"from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.get(id='{task_id}').status)"
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _lindung(env, "shell", "-c", check).strip() != "SUCCESSFUL":
            time.sleep(0.5)
        assert _lindung(env, "shell", "-c", check).strip() == "SUCCESSFUL", "the task worker did not run the job"

        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
        assert server.returncode == 0, output[-3000:]
        assert "serve: stopped" in output
        running = (
            "from django_tasks_db.models import DBTaskResult; "
            "print(DBTaskResult.objects.filter(status='RUNNING').count())"
        )
        assert _lindung(env, "shell", "-c", running).strip() == "0"
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/masuk/", timeout=2)
    finally:
        server.kill()
