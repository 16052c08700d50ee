"""gunicorn's settings that its command line cannot give: the hooks (``lindung serve`` and ``lindung web`` pass
``--config python:lindung.server.gunicorn_config``; this also stops gunicorn from reading a ``gunicorn.conf.py``
from the data folder, its working directory).

gunicorn reads every module-level name that is one of its settings: define nothing else here that could be one.
The hooks keep the "live" metrics of prometheus_client's multiprocess mode (the requests in progress) to the
processes alive; the counters of ended processes stay, so that no total goes back (``lindung.server.metrics``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def on_starting(server: Any) -> None:
    """gunicorn starts (again, after the supervisor restarted it): the processes of the one before are gone,
    and killed with it they could not be marked dead."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        for path in Path(folder).glob("gauge_live*.db"):
            path.unlink(missing_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A web process ended (replaced, killed, stopped): its live metrics leave the sums."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, folder)
