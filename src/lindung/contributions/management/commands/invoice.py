from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from lindung.commands import active_user, add_lang_argument, add_today_argument, parse_day, parse_month
from lindung.contributions.documents import (
    FORMATS,
    invoice_export_record,
    invoice_letter_pdf,
    write_invoice_xlsx,
)
from lindung.contributions.models import Invoice


class Command(BaseCommand):
    help = (
        "Write a programme's invoice for a month as a file: its lines as XLSX, or the summary letter to "
        "BPJS Ketenagakerjaan as PDF (A4, to print and sign). The export is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", required=True, metavar="CODE")
        parser.add_argument("--month", required=True, metavar="YYYY-MM")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument("--out", required=True, metavar="FILE", help="The file to write (replaced if it exists).")
        parser.add_argument("--as", dest="username", metavar="USERNAME", help="Act as this user, not the system.")
        parser.add_argument("--place", default="", help="The town above the signature (PDF).")
        add_today_argument(parser)
        add_lang_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._run(options)

    def _run(self, options: dict[str, Any]) -> None:
        month = parse_month(options["month"])
        today = parse_day(options["today"]) if options["today"] else None
        invoice = (
            Invoice.objects.select_related("programme__region")
            .filter(programme__code=options["programme"], month=month)
            .first()
        )
        if invoice is None:
            raise CommandError(
                _("Programme %(code)s has no invoice for %(month)s: run lindung bill first.")
                % {"code": options["programme"], "month": options["month"]}
            )
        actor = active_user(options["username"]) if options["username"] else None
        try:
            invoice_export_record(actor=actor, invoice=invoice, fmt=options["fmt"])
        except (PermissionDenied, Http404):
            raise CommandError(
                _("User %(name)s may not export this programme's invoices.") % {"name": options["username"]}
            ) from None
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": out.parent})
        # Written next to the target and renamed at the end, so a failure never leaves half a file behind.
        fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=".invoice-", suffix="." + options["fmt"])
        try:
            with os.fdopen(fd, "wb") as tmp:
                if options["fmt"] == "pdf":
                    tmp.write(
                        invoice_letter_pdf(invoice, place=options["place"], today=today, language=options["lang"])
                    )
                else:
                    write_invoice_xlsx(invoice, tmp)
            Path(tmp_name).replace(out)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        self.stdout.write(
            _("Wrote %(file)s: invoice %(code)s %(month)s, %(lines)s lines.")
            % {"file": out, "code": invoice.programme.code, "month": options["month"], "lines": invoice.line_count}
        )
