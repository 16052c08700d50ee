"""Background tasks of the dashboard: a thin adapter over ``dashboard_refresh``.

``dashboard_refresh_task`` rebuilds the summary tables once (the page's "Recompute now" button enqueues it).
Every night the refresh runs as a step of ``lindung.nightly``, after the coverage job has rebuilt the arrears
it reads (``lindung nightly schedule``).
"""

from __future__ import annotations

from typing import Any

from django.tasks import task

from lindung.accounts.models import User
from lindung.dashboard.services import dashboard_refresh


@task
def dashboard_refresh_task(actor_id: int | None = None) -> dict[str, Any]:
    """Arguments and result are JSON (the queue stores them): the user who asked, by id."""
    actor = User.objects.filter(pk=actor_id, is_active=True).first() if actor_id else None
    run = dashboard_refresh(actor=actor)
    return {"as_of": run.as_of.isoformat(), "rows": run.rows, "seconds": round(run.seconds, 1)}
