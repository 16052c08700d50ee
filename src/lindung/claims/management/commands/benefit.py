from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from lindung.claims.benefits import BenefitInputError, BenefitRequest, BenefitResult, BenefitType, calculate_benefit
from lindung.commands import add_lang_argument, parse_day
from lindung.numbers import rupiah


def _whole_number(value: str | None, option: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise CommandError(
            _("%(option)s takes a whole number, not %(value)s.") % {"option": option, "value": value}
        ) from None


def _percent(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        # Indonesians write a decimal comma (12,5); accept it as well as the point.
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise CommandError(_("--percent takes a number such as 12.5, not %(value)s.") % {"value": value}) from None


class Command(BaseCommand):
    help = (
        "Calculate what BPJS Ketenagakerjaan pays for a death (JKM) or a work accident (JKK), from the rules in "
        "force on the incident day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", required=True, choices=[kind.value for kind in BenefitType])
        parser.add_argument("--membership-start", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--incident", required=True, metavar="YYYY-MM-DD", help="Day of the death or accident.")
        parser.add_argument("--income", metavar="RUPIAH", help="Declared monthly income (default 1000000).")
        parser.add_argument(
            "--paid-months", metavar="N", help="Months of contributions (default: whole months of membership)."
        )
        parser.add_argument("--percent", metavar="P", help="Disability percentage (partial disability).")
        parser.add_argument("--stmb-months", metavar="M", help="Months unable to work (temporary incapacity).")
        parser.add_argument("--json", action="store_true", help="Print the result as a JSON object.")
        add_lang_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._run(options)

    def _run(self, options: dict[str, Any]) -> None:
        income = _whole_number(options["income"], "--income")
        request = BenefitRequest(
            type=BenefitType(options["type"]),
            membership_start=parse_day(options["membership_start"]),
            incident=parse_day(options["incident"]),
            income=1_000_000 if income is None else income,
            paid_months=_whole_number(options["paid_months"], "--paid-months"),
            percent=_percent(options["percent"]),
            stmb_months=_whole_number(options["stmb_months"], "--stmb-months"),
        )
        try:
            result = calculate_benefit(request)
        except BenefitInputError as exc:
            raise CommandError(exc.text) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(_table(result))


def _table(result: BenefitResult) -> str:
    """The result as aligned lines: the items and their total, then the scholarship, reasons and notes."""
    status = _("eligible") if result.eligible else _("not eligible")
    lines = [f"{result.type.label}: {status}"]
    rows = [(item.label, rupiah(item.amount)) for item in result.items]
    if rows:
        rows.append((_("Total"), rupiah(result.total)))
        label_width = max(len(label) for label, _amount in rows)
        amount_width = max(len(amount) for _label, amount in rows)
        for index, (label, amount) in enumerate(rows):
            if index == len(rows) - 1:
                lines.append("  " + "-" * (label_width + 2 + amount_width))
            lines.append(f"  {label:<{label_width}}  {amount:>{amount_width}}")
    scholarship = result.scholarship
    if scholarship.eligible:
        lines.append(
            _("Scholarship: yes, for at most %(children)s children, at most %(amount)s in all")
            % {"children": scholarship.max_children, "amount": rupiah(scholarship.max_amount)}
        )
    else:
        lines.append(_("Scholarship: no"))
    for title, sentences in ((_("Reasons:"), result.reasons), (_("Notes:"), result.notes)):
        if sentences:
            lines.append(title)
            lines.extend(f"  - {sentence}" for sentence in sentences)
    return "\n".join(lines)
