"""Start the web server and the task worker(s) as child processes and keep them running until told to stop.

Why one supervisor and not two services: an installation that runs only the web server has uploads that wait
for ever ("Menunggu giliran…") and recomputations that never happen. ``lindung serve`` cannot be started
without its worker. Installations that prefer their own supervisor (systemd units, containers) run
``lindung web`` and ``lindung db_worker`` separately instead.

- Each child is a separate process started with the same interpreter; their output goes to ours (standard
  output), so one log stream holds everything.
- A child that dies while we are running is started again after a pause that doubles (1 s, 2 s … 30 s) and
  returns to 1 s once the child has lived a minute. A child that dies within seconds five times in a row
  (a port already taken, a database that refuses us) stops everything with exit status 1: restarting it
  would only fill the log.
- SIGTERM or SIGINT (Ctrl-C) stops gracefully: every child gets SIGTERM (the web server finishes its
  requests; a worker finishes the job it is running, then exits). After the grace period a worker still
  running gets a second SIGTERM, which makes it abandon its job (the job's transaction rolls back, so
  nothing is half written, the job is marked failed, and the worker tells the apps at once:
  ``worker.housekeeping.task_abandoned_release``, so an upload is not left "running"); after ten more
  seconds anything left is killed.
  Finally ``on_stopped`` runs: ``lindung serve`` marks failed the jobs its workers left marked as running
  (``worker.housekeeping.tasks_release``), so no job waits for ever for a worker that is gone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType

logger = logging.getLogger(__name__)

RESTART_PAUSE_MAX = 30.0  # seconds between restarts of a child that keeps dying
HEALTHY_AFTER = 60.0  # a child that lived this long restarts after the shortest pause again
CRASH_WITHIN = 5.0  # a child that dies this soon after its start has "crashed at start"
CRASHES_ALLOWED = 5  # crashes at start in a row before the supervisor gives up
KILL_AFTER_SECOND_SIGNAL = 10.0
POLL = 0.2


@dataclass
class Child:
    """One supervised process: its name in the log, its command, whether it is a task worker (a worker
    gets the second SIGTERM after the grace period; the web server is only killed), and its own environment
    (None: the supervisor's)."""

    name: str
    argv: Sequence[str]
    is_worker: bool = False
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    pause: float = 1.0
    restart_at: float | None = None
    crashes: int = 0

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Supervisor:
    children: list[Child]
    grace: float = 60.0
    env: dict[str, str] | None = None
    # Called once every child has stopped (``lindung serve`` releases the jobs its workers left running).
    on_stopped: Callable[[], None] | None = None
    _stop_signal: int | None = field(default=None, init=False)
    _clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def run(self) -> int:
        """Start the children and supervise them; returns the exit status (0 after a stop by signal)."""
        previous = {sig: signal.signal(sig, self._request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        status = 0
        try:
            for child in self.children:
                self._start(child)
            while self._stop_signal is None:
                if not self._watch():
                    status = 1
                    break
                time.sleep(POLL)
        finally:
            self._stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self.on_stopped is not None:
                self.on_stopped()
        return status

    def _request_stop(self, signum: int, _frame: FrameType | None) -> None:
        if self._stop_signal is None:
            logger.info("serve: %s received, stopping", signal.Signals(signum).name)
        self._stop_signal = signum

    def _start(self, child: Child) -> None:
        env = child.env if child.env is not None else self.env
        child.process = subprocess.Popen(list(child.argv), env=env)  # noqa: S603 - our own commands
        child.started_at = self._clock()
        child.restart_at = None
        logger.info("serve: %s started (pid %d)", child.name, child.process.pid)

    def _watch(self) -> bool:
        """Restart the children that died; False when one keeps dying at start."""
        now = self._clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._start(child)
                continue
            assert child.process is not None
            code = child.process.poll()
            if code is None:
                if now - child.started_at >= HEALTHY_AFTER:
                    child.pause, child.crashes = 1.0, 0
                continue
            lived = now - child.started_at
            child.crashes = child.crashes + 1 if lived < CRASH_WITHIN else 0
            if child.crashes >= CRASHES_ALLOWED:
                logger.error(
                    "serve: %s exited with status %s %d times right after starting; stopping",
                    child.name,
                    code,
                    child.crashes,
                )
                return False
            logger.warning(
                "serve: %s exited with status %s; starting it again in %.0f s", child.name, code, child.pause
            )
            child.restart_at = now + child.pause
            child.pause = min(child.pause * 2, RESTART_PAUSE_MAX)
        return True

    def _stop(self) -> None:
        alive = [child for child in self.children if child.running()]
        for child in alive:
            self._signal(child, signal.SIGTERM)
        if not self._wait(alive, self.grace):
            for child in alive:
                if child.running() and child.is_worker:
                    logger.warning("serve: %s still busy after %.0f s; abandoning its job", child.name, self.grace)
                    self._signal(child, signal.SIGTERM)
            if not self._wait(alive, KILL_AFTER_SECOND_SIGNAL):
                for child in alive:
                    if child.running():
                        logger.warning("serve: %s killed", child.name)
                        self._signal(child, signal.SIGKILL)
                self._wait(alive, KILL_AFTER_SECOND_SIGNAL)
        logger.info("serve: stopped")

    def _signal(self, child: Child, sig: int) -> None:
        assert child.process is not None
        with contextlib.suppress(ProcessLookupError):  # it exited meanwhile
            child.process.send_signal(sig)

    def _wait(self, children: list[Child], seconds: float) -> bool:
        """Wait up to ``seconds`` for the children to exit; True when they all did."""
        deadline = self._clock() + seconds
        while any(child.running() for child in children):
            if self._clock() >= deadline:
                return False
            time.sleep(POLL)
        return True


def python_command(*args: str) -> list[str]:
    """A command run with this interpreter (the virtualenv's), whatever PATH says."""
    import sys

    return [sys.executable, *args]


def child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "lindung.settings")
    env["PYTHONUNBUFFERED"] = "1"  # log lines reach the shared output as they are written
    return env
