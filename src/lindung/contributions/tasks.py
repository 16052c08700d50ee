"""Background tasks of the contributions app: thin adapters over the services.

``coverage_update_task`` is the daily coverage job for the web (or an operator) to enqueue on the
django-tasks-db worker (``lindung db_worker``). The worker has no clock: the daily run itself is a cron
entry or systemd timer calling ``lindung coverage update``.
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
