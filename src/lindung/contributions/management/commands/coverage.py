"""``lindung coverage update [--today YYYY-MM-DD] [--json]``: the daily coverage, arrears and lapse job.

Run once a day by cron or a systemd timer (django-tasks-db has no clock of its own), e.g.
``15 0 * * * lindung coverage update``. See ``lindung.contributions.coverage``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.contributions.coverage import coverage_update
from lindung.rules.selectors import RuleMissing
from lindung.web.templatetags.humanize_id import rupiah_number


class Command(BaseCommand):
    help = (
        "Recompute every enrolment's coverage status (paid-through month, months in arrears) from the "
        "issued invoices and payments, and end as lapsed the enrolments with more unpaid months than the "
        "arrears window allows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="update")
        update = sub.add_parser("update", help="Recompute the statuses and end the lapsed enrolments.")
        update.add_argument("--today", metavar="YYYY-MM-DD", help="The day the run counts as (default: today).")
        update.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        update.add_argument("--lang", choices=["id", "en"], default="id", help="Language of the messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            today = timezone.localdate()
            if options["today"]:
                try:
                    today = dt.date.fromisoformat(options["today"])
                except ValueError:
                    raise CommandError(
                        _("%(value)s is not a date written YYYY-MM-DD.") % {"value": options["today"]}
                    ) from None
            try:
                run = coverage_update(today=today)
            except RuleMissing:
                raise CommandError(
                    _("No arrears window is in force on %(today)s: load the rules first (lindung rules load).")
                    % {"today": today.isoformat()}
                ) from None
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
