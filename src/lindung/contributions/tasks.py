"""Background tasks of the contributions app: thin adapters over the services.

``coverage_update_task`` runs the coverage job once, for the web or an operator to enqueue. Every night the
same job runs as a step of ``lindung.nightly`` (``lindung nightly schedule``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task
from django.utils import timezone

from lindung.contributions.coverage import coverage_update


@task
def coverage_update_task(today: str | None = None) -> dict[str, Any]:
    """Arguments and result are JSON (the queue stores them): ``today`` as YYYY-MM-DD, a summary back."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return coverage_update(today=day).as_dict()
