"""``lindung web``: the web server alone (gunicorn), for installations whose own supervisor (systemd, a
container) runs it beside ``lindung db_worker``; ``lindung serve`` runs both."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lindung.server.management.commands.serve import web_command
from lindung.server.metrics.files import web_environment
from lindung.server.static import manifest_environment, static_collect


class Command(BaseCommand):
    help = (
        "Run the web server alone (gunicorn), after collecting the static files when they changed; the task "
        "worker is `lindung db_worker`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--workers", type=int, help="Web server processes (default LINDUNG_WEB_WORKERS).")

    def handle(self, *args: Any, **options: Any) -> None:
        command = web_command(options["host"], options["port"], options["workers"] or settings.LINDUNG_WEB_WORKERS)
        static_collect()
        # The process becomes gunicorn: signals from the supervisor reach it directly.
        os.execve(command[0], command, web_environment(manifest_environment()))  # noqa: S606 - our own interpreter running gunicorn
