"""``lindung dashboard refresh [--today YYYY-MM-DD] [--json]``: rebuild the dashboard's summary tables.

``lindung dashboard schedule`` starts the nightly run on the background worker (``lindung db_worker``), after
the coverage job; cron (``45 0 * * * lindung dashboard refresh``) works as well. See
``lindung.dashboard.services``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.commands import add_lang_argument, add_today_argument, parse_day
from lindung.dashboard.services import dashboard_refresh
from lindung.dashboard.tasks import dashboard_daily_schedule
from lindung.web.templatetags.humanize_id import rupiah_number


class Command(BaseCommand):
    help = "Recompute the dashboard's figures (coverage, demographics, months, arrears, contributions paid)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="refresh|schedule")
        refresh = sub.add_parser("refresh", help="Recompute the figures now.")
        add_today_argument(refresh)
        refresh.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        add_lang_argument(refresh)
        schedule = sub.add_parser(
            "schedule", help="Recompute every night on the background worker (lindung db_worker)."
        )
        add_lang_argument(schedule)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            if options["action"] == "schedule":
                run_at = dashboard_daily_schedule()
                self.stdout.write(
                    _("Next nightly dashboard refresh: %(at)s") % {"at": f"{run_at:%Y-%m-%d %H:%M %Z}"}
                    if run_at
                    else _("A nightly dashboard refresh is already waiting.")
                )
                return
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
