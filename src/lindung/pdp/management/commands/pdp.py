"""``lindung pdp ...``: the data protection officer's duties (UU 27/2022) from the command line.

``lindung pdp retention run [--dry-run] [--today YYYY-MM-DD] [--json]``: anonymise what has outlived its retention
(``pdp.retention``), printing the counts by kind (``--json``: an object of counts by kind).

``lindung pdp access NIK --format json|pdf --out FILE --as USER [--lang id|en]``: write the access document of the
worker holding NIK (``pdp.access``) to FILE, as USER (whose rights and region apply, and who is audited). The NIK
is never printed: a refusal says only that no worker of USER's region holds it.

Each duty is a subcommand of its own (``breach`` comes beside them): add its parser in ``add_arguments`` and its
method in ``handle``'s ``duties``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.commands import active_user, add_lang_argument, add_today_argument, parse_day
from lindung.numbers import grouped
from lindung.pdp.models import RetentionKind
from lindung.pdp.person_requests import FORMATS, access_document_produce, not_found_sentence
from lindung.pdp.request_selectors import worker_by_nik
from lindung.pdp.retention import pdp_retention_run


class Command(BaseCommand):
    help = "The personal-data duties of UU 27/2022: retention runs, access documents (and, to come, breaches)."

    def add_arguments(self, parser: CommandParser) -> None:
        duties = parser.add_subparsers(dest="duty", required=True, metavar="retention|access")
        retention = duties.add_parser("retention", help="Anonymise what has outlived its retention period.")
        steps = retention.add_subparsers(dest="step", required=True, metavar="run")
        run = steps.add_parser("run", help="Anonymise what has expired on the day (a dry run only counts).")
        run.add_argument("--dry-run", action="store_true", help="Count what would be anonymised; write nothing.")
        add_today_argument(run)
        run.add_argument("--json", action="store_true", help="Print the counts by kind as JSON.")
        add_lang_argument(run)

        access = duties.add_parser("access", help="Write the access document of a person (UU 27/2022).")
        access.add_argument("nik", metavar="NIK", help="The person's NIK (16 digits).")
        access.add_argument("--format", choices=FORMATS, required=True, help="json or pdf.")
        access.add_argument("--out", required=True, metavar="FILE", help="Where to write the document.")
        access.add_argument(
            "--as", dest="as_user", required=True, metavar="USER", help="The account whose rights apply, audited."
        )
        add_lang_argument(access)

    def handle(self, *args: Any, **options: Any) -> None:
        duties: dict[str, Callable[[dict[str, Any]], None]] = {"retention": self._retention, "access": self._access}
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

    def _access(self, options: dict[str, Any]) -> None:
        user = active_user(options["as_user"])
        worker = worker_by_nik(user, options["nik"])
        if worker is None:
            raise CommandError(not_found_sentence())
        try:
            content = access_document_produce(
                actor=user, worker=worker, fmt=options["format"], language=options["lang"], request=None
            )
        except PermissionDenied:
            raise CommandError(_("%(name)s may not produce access documents.") % {"name": user.username}) from None
        out = Path(options["out"])
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(
                _("%(file)s cannot be written: %(error)s") % {"file": out, "error": exc.strerror}
            ) from None
        self.stdout.write(_("Access document written to %(file)s.") % {"file": out})
