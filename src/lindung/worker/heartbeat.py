"""The task worker's heartbeat: a daemon thread of the worker process writes ``WorkerHeartbeat`` every
``LINDUNG_WORKER_HEARTBEAT_SECONDS``.

A thread and not the worker's loop, because the loop stops for as long as a job runs (a large import takes
minutes) and a busy worker is alive. The thread dies with its process, so a heartbeat that grows old means the
worker is gone. A write that fails (SQLite busy with an import's write, the database restarting) is skipped:
the next beat tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from lindung.worker.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def heartbeat_start(worker_id: str) -> threading.Event:
    """Start beating for ``worker_id`` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    started = timezone.now()
    thread = threading.Thread(target=_beat, args=(worker_id, started, stop), name=f"heartbeat {worker_id}", daemon=True)
    thread.start()
    return stop


def heartbeat_write(worker_id: str, started: dt.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started,
            "seen_at": timezone.now(),
        },
    )


def _beat(worker_id: str, started: dt.datetime, stop: threading.Event) -> None:
    interval = settings.LINDUNG_WORKER_HEARTBEAT_SECONDS
    try:
        while True:
            try:
                close_old_connections()
                heartbeat_write(worker_id, started)
            except DatabaseError:
                logger.warning("worker heartbeat skipped: the database did not take it")
            if stop.wait(interval):
                return
    finally:
        connection.close()  # this thread's own connection
