"""The folder where gunicorn's processes keep their metrics (prometheus_client's multiprocess mode).

prometheus_client reads ``PROMETHEUS_MULTIPROC_DIR`` when it is imported, so the folder is named in the
environment of the web server's processes, never in that of the command that starts them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings

ENVIRONMENT_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def metrics_folder_fresh() -> Path:
    """``<data dir>/metrics``, emptied: the files a previous server left would be added to the new one's
    figures (and a process id reused by a new process would continue an old process's counts)."""
    folder = Path(settings.DATA_DIR) / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    return folder


def web_environment(base: dict[str, str]) -> dict[str, str]:
    """``base`` with a fresh metrics folder named for the web server's processes."""
    return {**base, ENVIRONMENT_VARIABLE: str(metrics_folder_fresh())}


def multiprocess_folder() -> str | None:
    """The folder this process's metrics are kept in, or None when they live in the process only."""
    return os.environ.get(ENVIRONMENT_VARIABLE) or None
