"""``lindung pdp ...``: the data protection officer's duties (UU 27/2022) from the command line.

``lindung pdp retention run [--dry-run] [--today YYYY-MM-DD] [--json]``: anonymise what has outlived its retention
(``pdp.retention``), printing the counts by kind (``--json``: an object of counts by kind). Each duty is a
subcommand of its own (``access`` and ``breach`` come beside ``retention``): add its parser in ``add_arguments``
and its method in ``DUTIES``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.commands import add_lang_argument, add_today_argument, parse_day
from lindung.numbers import grouped
from lindung.pdp.models import RetentionKind
from lindung.pdp.retention import pdp_retention_run


class Command(BaseCommand):
    help = "The personal-data duties of UU 27/2022: retention runs (and, to come, access requests and breaches)."

    def add_arguments(self, parser: CommandParser) -> None:
        duties = parser.add_subparsers(dest="duty", required=True, metavar="retention")
        retention = duties.add_parser("retention", help="Anonymise what has outlived its retention period.")
        steps = retention.add_subparsers(dest="step", required=True, metavar="run")
        run = steps.add_parser("run", help="Anonymise what has expired on the day (a dry run only counts).")
        run.add_argument("--dry-run", action="store_true", help="Count what would be anonymised; write nothing.")
        add_today_argument(run)
        run.add_argument("--json", action="store_true", help="Print the counts by kind as JSON.")
        add_lang_argument(run)

    def handle(self, *args: Any, **options: Any) -> None:
        duties: dict[str, Callable[[dict[str, Any]], None]] = {"retention": self._retention}
        with translation.override(options.get("lang") or "id"):
            duties[options["duty"]](options)

    def _retention(self, options: dict[str, Any]) -> None:
        today = parse_day(options["today"]) if options["today"] else timezone.localdate()
        result = pdp_retention_run(today=today, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        if result.dry_run:
            self.stdout.write(_("Retention as of %(today)s, a dry run: nothing was written.") % {"today": today})
        else:
            self.stdout.write(_("Retention as of %(today)s: anonymised") % {"today": today})
        labels = dict(RetentionKind.choices)
        for kind, count in result.counts.items():
            self.stdout.write(f"  {labels[kind]}: {grouped(count)}")
