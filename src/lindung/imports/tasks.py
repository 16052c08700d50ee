"""Background jobs: thin adapters that pass ids and call a service."""

from __future__ import annotations

from django.tasks import task

from lindung.imports.jobs import import_process


@task
def import_task(batch_id: int) -> None:
    import_process(batch_id=batch_id)
