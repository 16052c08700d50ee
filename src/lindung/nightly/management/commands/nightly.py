"""``lindung nightly run [--today YYYY-MM-DD] [--json]`` and ``lindung nightly schedule``: the night's work (the
worker's housekeeping, coverage, the dashboard's figures), now or every night on the background worker."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.commands import add_lang_argument, add_today_argument, parse_day
from lindung.contributions.coverage import no_arrears_window
from lindung.nightly.jobs import nightly_run, nightly_schedule
from lindung.rules.selectors import RuleMissing


class Command(BaseCommand):
    help = "The night's work: tidy the worker's leftovers, recompute coverage and arrears, rebuild the dashboard."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="run|schedule")
        run = sub.add_parser("run", help="Do the night's work now.")
        add_today_argument(run)
        run.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        add_lang_argument(run)
        schedule = sub.add_parser("schedule", help="Do it every night at 00:15 on the background worker.")
        add_lang_argument(schedule)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            if options["action"] == "schedule":
                run_at = nightly_schedule()
                self.stdout.write(
                    _("Next nightly run: %(at)s") % {"at": f"{run_at:%Y-%m-%d %H:%M %Z}"}
                    if run_at
                    else _("A nightly run is already waiting.")
                )
                return
            today = parse_day(options["today"]) if options["today"] else timezone.localdate()
            try:
                summary = nightly_run(today=today)
            except RuleMissing:
                raise CommandError(no_arrears_window(today)) from None
            if options["json"]:
                self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
                return
            self.stdout.write(
                _(
                    "Night of %(today)s: coverage of %(statuses)s enrolments, %(lapsed)s lapsed; "
                    "%(rows)s dashboard rows."
                )
                % {
                    "today": summary["today"],
                    "statuses": summary["coverage"]["statuses"],
                    "lapsed": summary["coverage"]["lapsed"],
                    "rows": summary["dashboard"]["rows"],
                }
            )
