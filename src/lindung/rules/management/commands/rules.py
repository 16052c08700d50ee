from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lindung.rules.services import rules_load


class Command(BaseCommand):
    help = "Rule tables (rates, benefits, limits). `lindung rules load` loads the versioned rule file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load or refresh the rule values with their effective dates.")
        load.add_argument("--file", type=Path, help="A rule file instead of the packaged one.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = rules_load(path=options.get("file"))
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"rules: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")
