"""``lindung serve``: the production web server (gunicorn) and the task worker(s), supervised together."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lindung.server.metrics.files import web_environment
from lindung.server.static import manifest_environment, static_collect
from lindung.server.supervisor import Child, Supervisor, python_command
from lindung.worker.housekeeping import tasks_release


class Command(BaseCommand):
    help = (
        "Serve Lindung for real: the web server (gunicorn) and the background task worker(s), started and "
        "supervised together (a child that dies is started again; SIGTERM or Ctrl-C stops both gracefully). "
        "It collects the static files first (collectstatic) when they changed. Processes and threads come "
        "from LINDUNG_WEB_WORKERS, LINDUNG_WEB_THREADS and LINDUNG_TASK_WORKERS; the stop waits "
        "LINDUNG_SHUTDOWN_GRACE_SECONDS for running jobs. Installations with their own supervisor run "
        "`lindung web` and `lindung db_worker` separately."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument(
            "--workers", type=int, help="Web server processes (default LINDUNG_WEB_WORKERS, %(default)s if unset)."
        )
        parser.add_argument("--task-workers", type=int, help="Task worker processes (default LINDUNG_TASK_WORKERS).")

    def handle(self, *args: Any, **options: Any) -> None:
        web_workers = options["workers"] or settings.LINDUNG_WEB_WORKERS
        task_workers = options["task_workers"] or settings.LINDUNG_TASK_WORKERS
        port: int = options["port"]
        if not 0 < port < 65536:
            raise CommandError(_("The port must be between 1 and 65535."))
        if web_workers < 1 or task_workers < 1:
            raise CommandError(_("At least one web server process and one task worker are needed."))
        if pending_migrations():
            raise CommandError(_("The database is not ready: run `lindung migrate` first (or `lindung demo`)."))
        # The nightly run (coverage, figures, housekeeping) is queued for the workers unless it already is.
        call_command("nightly", "schedule", stdout=self.stdout)
        # Hashed, compressed static files for the pages (and anything a worker renders).
        static_collect()
        base = f"serve-{socket.gethostname()[:32]}-{os.getpid()}"
        worker_ids = [f"{base}-{number}" for number in range(1, task_workers + 1)]
        children = [web_child(options["host"], port, web_workers)] + [
            Child(
                name=f"worker {number}",
                argv=python_command("-m", "lindung", "db_worker", "--worker-id", worker_id),
                is_worker=True,
            )
            for number, worker_id in enumerate(worker_ids, start=1)
        ]
        supervisor = Supervisor(
            children,
            grace=float(settings.LINDUNG_SHUTDOWN_GRACE_SECONDS),
            env=manifest_environment(),
            on_stopped=lambda: _release(worker_ids),
        )
        status = supervisor.run()
        if status:
            raise CommandError(_("A process kept stopping right after it started; see the lines above."))


def _release(worker_ids: list[str]) -> None:
    tasks_release(worker_ids)


def pending_migrations() -> bool:
    """Whether migrations wait to be applied (a new or an upgraded installation)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def web_child(host: str, port: int, processes: int) -> Child:
    """gunicorn, serving the collected static files, with a fresh folder for its processes' metrics (the task
    workers count none)."""
    return Child(name="web", argv=web_command(host, port, processes), env=web_environment(manifest_environment()))


def web_command(host: str, port: int, processes: int) -> list[str]:
    """gunicorn with its access log on standard output; it stops gracefully on SIGTERM within the grace."""
    return python_command(
        "-m",
        "gunicorn",
        "lindung.wsgi:application",
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "--workers",
        str(processes),
        "--threads",
        str(settings.LINDUNG_WEB_THREADS),
        "--graceful-timeout",
        str(settings.LINDUNG_SHUTDOWN_GRACE_SECONDS),
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "--forwarded-allow-ips",
        "127.0.0.1,::1",
        "--no-control-socket",
        "--config",
        "python:lindung.server.gunicorn_config",
    )
