"""``lindung coverage update [--today YYYY-MM-DD] [--json]``: the coverage, arrears and lapse job, now. It runs
every night as a step of ``lindung nightly`` (``lindung nightly schedule``). See ``lindung.contributions.coverage``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.commands import add_lang_argument, add_today_argument, parse_day
from lindung.contributions.coverage import coverage_update, no_arrears_window
from lindung.numbers import rupiah_number
from lindung.rules.selectors import RuleMissing


class Command(BaseCommand):
    help = (
        "Recompute every enrolment's coverage status (paid-through month, months in arrears) from the "
        "issued invoices and payments, and end as lapsed the enrolments with more unpaid months than the "
        "arrears window allows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="update")
        update = sub.add_parser("update", help="Recompute the statuses and end the lapsed enrolments.")
        add_today_argument(update)
        update.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        add_lang_argument(update)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            today = parse_day(options["today"]) if options["today"] else timezone.localdate()
            try:
                run = coverage_update(today=today)
            except RuleMissing:
                raise CommandError(no_arrears_window(today)) from None
            if options["json"]:
                self.stdout.write(json.dumps(run.as_dict(), ensure_ascii=False, indent=2))
                return
            self.stdout.write(
                _(
                    "Coverage on %(today)s: %(statuses)s enrolments in %(programmes)s programmes; in arrears "
                    "1 month: %(one)s, 2 months: %(two)s, 3 or more: %(three)s; ended as lapsed: %(lapsed)s."
                )
                % {
                    "today": today.isoformat(),
                    "statuses": rupiah_number(run.statuses),
                    "programmes": rupiah_number(run.programmes),
                    "one": rupiah_number(run.in_arrears["1"]),
                    "two": rupiah_number(run.in_arrears["2"]),
                    "three": rupiah_number(run.in_arrears["3+"]),
                    "lapsed": rupiah_number(run.lapsed),
                }
            )
