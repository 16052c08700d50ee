"""The supervisor with stand-in children: restarts, giving up, and a graceful stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lindung.server import supervisor as module
from lindung.server.supervisor import Child, Supervisor


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_a_child_that_keeps_dying_at_start_stops_the_supervisor_with_status_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "RESTART_PAUSE_MAX", 0.01)
    child = Child(name="broken", argv=_python("raise SystemExit(3)"))
    child.pause = 0.01
    started = time.monotonic()
    assert Supervisor([child], grace=1).run() == 1
    assert child.crashes == module.CRASHES_ALLOWED
    assert time.monotonic() - started < 15


def test_a_child_that_dies_is_started_again_while_the_others_keep_running(tmp_path: Path) -> None:
    """The flaky child writes a line per start and dies; the supervisor is stopped from outside by a signal."""
    starts = tmp_path / "starts"
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            sys.path[:0] = {sys.path!r}
            from lindung.server.supervisor import Child, Supervisor
            flaky = Child(name="flaky", argv=[sys.executable, "-c",
                "import time; open({str(starts)!r}, 'a').write('x'); time.sleep(0.3)"])
            steady = Child(name="steady", argv=[sys.executable, "-c", "import time; time.sleep(60)"])
            raise SystemExit(Supervisor([flaky, steady], grace=5).run())
            """
        )
    )
    process = subprocess.Popen([sys.executable, str(script)])  # noqa: S603 - our own interpreter and script
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not starts.exists() or len(starts.read_text()) < 3):
            time.sleep(0.1)
        assert starts.exists() and len(starts.read_text()) >= 3, "the dying child was not started again"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()


def test_sigterm_lets_a_busy_child_finish_within_the_grace(tmp_path: Path) -> None:
    """A child that needs a moment to finish its work on SIGTERM gets it; the supervisor then exits 0 and
    leaves no child behind."""
    done = tmp_path / "done"
    pids = tmp_path / "pids"
    script = tmp_path / "run.py"
    child_code = (
        "import os, signal, sys, time\n"
        f"open({str(pids)!r}, 'a').write(str(os.getpid()) + '\\n')\n"
        "def stop(*_):\n"
        "    time.sleep(1)\n"
        f"    open({str(done)!r}, 'w').write('finished')\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "time.sleep(60)\n"
    )
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path[:0] = {sys.path!r}
            from lindung.server.supervisor import Child, Supervisor
            busy = Child(name="busy", argv=[sys.executable, "-c", {child_code!r}], is_worker=True)
            raise SystemExit(Supervisor([busy], grace=10).run())
            """
        )
    )
    process = subprocess.Popen([sys.executable, str(script)])  # noqa: S603 - our own interpreter and script
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not pids.exists():
            time.sleep(0.1)
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert done.read_text() == "finished"
        child_pid = int(pids.read_text().split()[0])
        with pytest.raises(ProcessLookupError):
            os.kill(child_pid, 0)
    finally:
        process.kill()
