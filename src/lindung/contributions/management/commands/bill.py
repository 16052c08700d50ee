from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from lindung.commands import active_user, add_lang_argument, add_today_argument, parse_day, parse_month
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.finance import ContributionError
from lindung.contributions.models import Invoice, InvoiceStatus
from lindung.months import next_month
from lindung.numbers import rupiah, rupiah_number
from lindung.programmes.models import Programme


def _as_dict(invoice: Invoice, changed: bool) -> dict[str, Any]:
    return {
        "programme": invoice.programme.code,
        "month": f"{invoice.month:%Y-%m}",
        "status": invoice.status,
        "lines": invoice.line_count,
        "adjustments": invoice.adjustment_total,
        "total": invoice.total,
        "built": changed,
    }


class Command(BaseCommand):
    help = (
        "Build the draft invoice of a programme for a month (or several, for payment in advance) from the "
        "enrolments covered and the rates in force. An issued invoice is left as it is. With --issue the "
        "drafts are issued after they are built."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", required=True, metavar="CODE")
        parser.add_argument("--month", required=True, metavar="YYYY-MM")
        parser.add_argument("--through", metavar="YYYY-MM", help="Bill every month up to this one too.")
        add_today_argument(parser)
        parser.add_argument("--issue", action="store_true", help="Issue the invoices after building them.")
        parser.add_argument("--as", dest="username", metavar="USERNAME", help="Act as this user, not the system.")
        parser.add_argument("--json", action="store_true", help="Print a JSON list, one object per month.")
        add_lang_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._run(options)

    def _run(self, options: dict[str, Any]) -> None:
        first = parse_month(options["month"])
        last = parse_month(options["through"]) if options["through"] else first
        if last < first:
            raise CommandError(_("--through must not be before --month."))
        today = parse_day(options["today"]) if options["today"] else None
        programme = Programme.objects.filter(code=options["programme"]).first()
        if programme is None:
            raise CommandError(_("There is no programme with code %(code)s.") % {"code": options["programme"]})
        actor = active_user(options["username"]) if options["username"] else None
        results = []
        month = first
        try:
            while month <= last:
                existing = Invoice.objects.filter(programme=programme, month=month).first()
                if existing is not None and existing.status != InvoiceStatus.DRAFT:
                    results.append(_as_dict(existing, False))
                else:
                    invoice = invoice_build(actor=actor, programme=programme, month=month, today=today)
                    if options["issue"]:
                        invoice = invoice_issue(actor=actor, invoice=invoice)
                    results.append(_as_dict(invoice, True))
                month = next_month(month)
        except ContributionError as exc:
            raise CommandError(exc.text) from None
        except PermissionDenied:
            raise CommandError(_("User %(name)s may not manage finance.") % {"name": options["username"]}) from None
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
            return
        for row in results:
            state = _("built") if row["built"] else _("already issued, unchanged")
            self.stdout.write(
                _("%(code)s %(month)s: %(lines)s workers, total %(total)s (%(status)s, %(state)s)")
                % {
                    "code": row["programme"],
                    "month": row["month"],
                    "lines": rupiah_number(row["lines"]),
                    "total": rupiah(row["total"]),
                    "status": InvoiceStatus(row["status"]).label,
                    "state": state,
                }
            )
