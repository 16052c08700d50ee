"""``lindung public offices load [--file FILE]``: refresh the BPJS offices of the public check from the data file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lindung.public.offices import offices_load


class Command(BaseCommand):
    help = "The public coverage check. `lindung public offices load` loads the versioned BPJS office file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subject", required=True, metavar="offices")
        offices = sub.add_parser("offices", help="The BPJS Ketenagakerjaan office of each regency/city.")
        actions = offices.add_subparsers(dest="action", required=True, metavar="load")
        load = actions.add_parser("load", help="Create, update and delete office rows to match the file.")
        load.add_argument("--file", type=Path, help="An office file instead of the packaged one.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = offices_load(path=options.get("file"))
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"offices: {result.created} created, {result.updated} updated, {result.deleted} deleted, "
            f"{result.unchanged} unchanged"
        )
