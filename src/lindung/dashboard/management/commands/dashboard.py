"""``lindung dashboard refresh [--today YYYY-MM-DD] [--json]``: rebuild the dashboard's summary tables.

The refresh runs every night as a step of ``lindung nightly``, after the coverage job (``lindung nightly
schedule``). See ``lindung.dashboard.services``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.commands import add_lang_argument, add_today_argument, parse_day
from lindung.dashboard.services import dashboard_refresh
from lindung.numbers import rupiah_number


class Command(BaseCommand):
    help = "Recompute the dashboard's figures (coverage, demographics, months, arrears, contributions paid)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="refresh")
        refresh = sub.add_parser("refresh", help="Recompute the figures now.")
        add_today_argument(refresh)
        refresh.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        add_lang_argument(refresh)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            today = parse_day(options["today"]) if options["today"] else timezone.localdate()
            run = dashboard_refresh(today=today)
            if options["json"]:
                payload = {"as_of": run.as_of.isoformat(), "rows": run.rows, "seconds": round(run.seconds, 2)}
                self.stdout.write(json.dumps(payload, indent=2))
                return
            self.stdout.write(
                _("Dashboard figures as of %(today)s: %(rows)s summary rows in %(seconds)s s.")
                % {"today": today.isoformat(), "rows": rupiah_number(run.rows), "seconds": f"{run.seconds:.1f}"}
            )
