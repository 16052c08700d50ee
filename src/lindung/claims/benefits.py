"""The benefits BPJS Ketenagakerjaan pays for a death or a work accident, from the rules in force.

Pure calculation: the only database read is the rule table (one query, ``rules_in_force`` on the
incident date); nothing is written. The claim pages and ``lindung benefit`` both call
:func:`calculate_benefit`, so they always show the same numbers.

Definitions (PP 44/2015 as amended by PP 82/2019, Permenaker 5/2021; amounts come from
``rules/data/rules.csv``):

- **Calendar months.** ``add_months(day, n)`` is the same day of the month ``n`` months later, clamped
  to the end of a shorter month (2024-11-30 + 3 months = 2025-02-28). The **whole months** between two
  days is the largest ``n`` with ``add_months(start, n) <= end``.
- **Early death (JKM).** The death is early when ``incident < add_months(membership_start,
  JKM_EARLY_DEATH_MONTHS)``: with a start on 2026-01-15 a death on 2026-04-14 is early, on 2026-04-15 it
  is not. An early death gets the single early-death amount instead of lump sum + periodic + funeral.
- **Scholarship.** JKM: only with at least ``SCHOLARSHIP_MIN_MONTHS`` months of contributions.
  ``paid_months`` defaults to the whole months of membership on the incident day, so the boundary is
  exact to the day (start 2023-01-15: eligible for a death on 2026-01-15, not on 2026-01-14). The claim
  pages pass the months actually paid. Death or total permanent disability from a work accident: no
  minimum (PP 82/2019 gives the children of a worker left totally disabled the scholarship too).
- **Partial disability.** ``percent`` (more than 0, at most 100, at most two decimals) × the income
  multiple × income, **rounded down** to whole rupiah: the amount is never more than the rule gives.
- **Temporary incapacity (STMB).** The income × the full rate for each of the first
  ``JKK_STMB_FULL_MONTHS`` months, then × the reduced rate for each month after; each month's amount is
  rounded down to whole rupiah before it is multiplied by the months.
- **Not covered.** An incident before the membership start gets nothing (not eligible, no items). Whether
  the incident month was paid is the claim's coverage check, not the calculator's.
- Medical care (no ceiling) and the transport ceilings of JKK are reimbursed costs, not amounts known in
  advance: they are listed in ``notes``, never in ``total``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.utils.formats import date_format, get_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lindung.errors import RefusedStep
from lindung.months import add_months, whole_months_between
from lindung.numbers import rupiah
from lindung.rules.keys import Rule
from lindung.rules.selectors import rules_in_force

BASIS_POINTS = 10_000


class BenefitType(StrEnum):
    JKM = "jkm"
    JKK_DEATH = "jkk-death"
    JKK_TOTAL_DISABILITY = "jkk-total-disability"
    JKK_PARTIAL_DISABILITY = "jkk-partial-disability"
    JKK_STMB = "jkk-stmb"

    @property
    def label(self) -> Promise:
        return BENEFIT_TYPE_LABELS[self]

    @property
    def is_jkk(self) -> bool:
        return self is not BenefitType.JKM

    @classmethod
    def choices(cls) -> list[tuple[str, Promise]]:
        """``(value, label)`` pairs for a form's select."""
        return [(member.value, member.label) for member in cls]


BENEFIT_TYPE_LABELS: dict[BenefitType, Promise] = {
    BenefitType.JKM: gettext_lazy("Death (JKM)"),
    BenefitType.JKK_DEATH: gettext_lazy("Death from a work accident (JKK)"),
    BenefitType.JKK_TOTAL_DISABILITY: gettext_lazy("Total permanent disability (JKK)"),
    BenefitType.JKK_PARTIAL_DISABILITY: gettext_lazy("Partial permanent disability (JKK)"),
    BenefitType.JKK_STMB: gettext_lazy("Temporary incapacity to work (JKK STMB)"),
}

# Types whose children get the scholarship whatever the contribution period.
_SCHOLARSHIP_WITHOUT_MINIMUM = frozenset({BenefitType.JKK_DEATH, BenefitType.JKK_TOTAL_DISABILITY})


class BenefitInputError(RefusedStep):
    """A benefit request that cannot be calculated, in one sentence; ``field`` names the input."""


@dataclass(frozen=True)
class BenefitRequest:
    type: BenefitType
    membership_start: dt.date
    incident: dt.date
    income: int = 1_000_000
    paid_months: int | None = None
    percent: Decimal | None = None
    stmb_months: int | None = None


@dataclass(frozen=True)
class BenefitItem:
    code: str
    label: str
    amount: int


@dataclass(frozen=True)
class Scholarship:
    eligible: bool
    max_children: int
    max_amount: int


@dataclass(frozen=True)
class BenefitResult:
    type: BenefitType
    eligible: bool
    reasons: tuple[str, ...]
    items: tuple[BenefitItem, ...]
    scholarship: Scholarship
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(item.amount for item in self.items)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``lindung benefit --json`` (labels in the language active when calculated)."""
        return {
            "type": self.type.value,
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "total": self.total,
            "items": [{"code": i.code, "label": i.label, "amount": i.amount} for i in self.items],
            "scholarship": {
                "eligible": self.scholarship.eligible,
                "max_children": self.scholarship.max_children,
                "max_amount": self.scholarship.max_amount,
            },
            "notes": list(self.notes),
        }


# --- calculation -------------------------------------------------------------------------------


def calculate_benefit(request: BenefitRequest, *, rules: Mapping[Rule, int] | None = None) -> BenefitResult:
    """What BPJS pays for ``request``, from the rules in force on the incident day.

    1. Check the request; a bad one raises :class:`BenefitInputError`.
    2. Read the rules in force on the incident day (one query), unless the caller passes ``rules``,
       which must be the rules in force on ``request.incident``.
    3. An incident before the membership start is not covered: not eligible, nothing to pay.
    4. Otherwise itemise the type's amounts and decide the scholarship.

    Labels, reasons and notes are written in the language active during the call.
    """
    kind = _checked(request)
    in_force = _Rules(rules if rules is not None else rules_in_force(on=request.incident), request.incident)
    scholarship_limits = {
        "max_children": in_force[Rule.SCHOLARSHIP_MAX_CHILDREN],
        "max_amount": in_force[Rule.SCHOLARSHIP_MAX_TOTAL],
    }
    if request.incident < request.membership_start:
        return BenefitResult(
            type=kind,
            eligible=False,
            reasons=(
                _("The incident (%(incident)s) is before the membership start (%(start)s): it is not covered.")
                % {"incident": date_format(request.incident), "start": date_format(request.membership_start)},
            ),
            items=(),
            scholarship=Scholarship(eligible=False, **scholarship_limits),
        )
    reasons: list[str] = []
    items = _ITEMISERS[kind](request, in_force, reasons)
    scholarship_eligible = _scholarship_eligible(kind, request, in_force, reasons)
    notes = _notes(kind, in_force, scholarship_eligible, scholarship_limits)
    return BenefitResult(
        type=kind,
        eligible=True,
        reasons=tuple(reasons),
        items=tuple(items),
        scholarship=Scholarship(eligible=scholarship_eligible, **scholarship_limits),
        notes=tuple(notes),
    )


class _Rules:
    """The rules in force on the incident day; a missing one is a refused request, not a KeyError."""

    def __init__(self, values: Mapping[Rule, int], on: dt.date) -> None:
        self._values = values
        self._on = on

    def __getitem__(self, key: Rule) -> int:
        try:
            return self._values[key]
        except KeyError:
            # Benefits before PP 82/2019 differ; the rule file starts there, so refuse rather than guess.
            raise BenefitInputError(
                _("No benefit rules are in force on %(date)s, so the benefit cannot be calculated.")
                % {"date": date_format(self._on)},
                field="incident",
            ) from None


def _checked(request: BenefitRequest) -> BenefitType:
    try:
        kind = BenefitType(request.type)
    except ValueError:
        raise BenefitInputError(_("%(value)s is not a benefit type.") % {"value": request.type}, field="type") from None
    for name in ("membership_start", "incident"):
        value = getattr(request, name)
        # A datetime is a date too, but would compare wrongly with dates.
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise BenefitInputError(_("The dates must be calendar days."), field=name)
    if not _is_whole_number(request.income) or request.income <= 0:
        raise BenefitInputError(_("The income must be a positive whole number of rupiah."), field="income")
    if request.paid_months is not None and (not _is_whole_number(request.paid_months) or request.paid_months < 0):
        raise BenefitInputError(
            _("The months of contributions must be a whole number, zero or more."), field="paid_months"
        )
    _check_percent(kind, request.percent)
    if kind is BenefitType.JKK_STMB:
        if request.stmb_months is None:
            raise BenefitInputError(
                _("Temporary incapacity needs the number of months unable to work."), field="stmb_months"
            )
        if not _is_whole_number(request.stmb_months) or request.stmb_months < 1:
            raise BenefitInputError(
                _("The months unable to work must be a whole number, at least 1."), field="stmb_months"
            )
    elif request.stmb_months is not None:
        raise BenefitInputError(_("The months unable to work apply to temporary incapacity only."), field="stmb_months")
    return kind


def _check_percent(kind: BenefitType, percent: Decimal | None) -> None:
    if kind is not BenefitType.JKK_PARTIAL_DISABILITY:
        if percent is not None:
            raise BenefitInputError(_("The disability percentage applies to partial disability only."), field="percent")
        return
    if percent is None:
        raise BenefitInputError(_("Partial disability needs the disability percentage."), field="percent")
    try:
        value = Decimal(percent) if isinstance(percent, int) and not isinstance(percent, bool) else percent
        valid = (
            isinstance(value, Decimal)
            and value.is_finite()
            and 0 < value <= 100
            and (value * 100) == (value * 100).to_integral_value()
        )
    except InvalidOperation:
        valid = False
    if not valid:
        raise BenefitInputError(
            _("The disability percentage must be more than 0 and at most 100, with at most two decimals."),
            field="percent",
        )


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _percent_text(value: Decimal) -> str:
    """12.50 → ``12.5`` (``12,5`` in Indonesian), 100 → ``100``."""
    text = format(value.normalize(), "f")
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _basis_points_text(value: int) -> str:
    return _percent_text(Decimal(value) / 100)


def _jkm_items(request: BenefitRequest, rules: _Rules, reasons: list[str]) -> list[BenefitItem]:
    early_months = rules[Rule.JKM_EARLY_DEATH_MONTHS]
    full_from = add_months(request.membership_start, early_months)
    if request.incident < full_from:
        reasons.append(
            ngettext(
                "The death is before %(date)s, within the first %(months)s month of membership: only the "
                "early-death benefit is paid.",
                "The death is before %(date)s, within the first %(months)s months of membership: only the "
                "early-death benefit is paid.",
                early_months,
            )
            % {"date": date_format(full_from), "months": early_months}
        )
        return [
            BenefitItem(
                "early-death", _("Death benefit in the first months of membership"), rules[Rule.JKM_EARLY_DEATH]
            )
        ]
    return [
        BenefitItem("lump-sum", _("Lump sum"), rules[Rule.JKM_LUMP_SUM]),
        BenefitItem("periodic", _("Periodic benefit, paid at once"), rules[Rule.JKM_PERIODIC]),
        BenefitItem("funeral", _("Funeral costs"), rules[Rule.JKM_FUNERAL]),
    ]


def _jkk_death_items(request: BenefitRequest, rules: _Rules, reasons: list[str]) -> list[BenefitItem]:
    multiple = rules[Rule.JKK_DEATH_INCOME_MULTIPLE]
    return [
        BenefitItem(
            "lump-sum",
            _("Death benefit: %(multiple)s × declared income") % {"multiple": multiple},
            multiple * request.income,
        ),
        BenefitItem("periodic", _("Periodic benefit, paid at once"), rules[Rule.JKK_DEATH_PERIODIC]),
        BenefitItem("funeral", _("Funeral costs"), rules[Rule.JKK_DEATH_FUNERAL]),
    ]


def _total_disability_items(request: BenefitRequest, rules: _Rules, reasons: list[str]) -> list[BenefitItem]:
    multiple = rules[Rule.JKK_TOTAL_DISABILITY_INCOME_MULTIPLE]
    monthly = rules[Rule.JKK_TOTAL_DISABILITY_MONTHLY]
    months = rules[Rule.JKK_TOTAL_DISABILITY_MONTHS]
    return [
        BenefitItem(
            "lump-sum",
            _("Total permanent disability: %(multiple)s × declared income") % {"multiple": multiple},
            multiple * request.income,
        ),
        BenefitItem(
            "periodic",
            _("Periodic benefit: %(amount)s × %(months)s months") % {"amount": rupiah(monthly), "months": months},
            monthly * months,
        ),
    ]


def _partial_disability_items(request: BenefitRequest, rules: _Rules, reasons: list[str]) -> list[BenefitItem]:
    percent = Decimal(request.percent or 0)
    multiple = rules[Rule.JKK_PARTIAL_DISABILITY_INCOME_MULTIPLE]
    # Whole hundredths of a percent (checked: at most two decimals), so the product stays in integers.
    hundredths = int(percent * 100)
    return [
        BenefitItem(
            "partial-disability",
            _("Partial disability: %(percent)s%% × %(multiple)s × declared income")
            % {"percent": _percent_text(percent), "multiple": multiple},
            hundredths * multiple * request.income // BASIS_POINTS,
        )
    ]


def _stmb_items(request: BenefitRequest, rules: _Rules, reasons: list[str]) -> list[BenefitItem]:
    months = request.stmb_months or 0
    full_months = min(months, rules[Rule.JKK_STMB_FULL_MONTHS])
    reduced_months = months - full_months
    items = []
    for code, count, rate in (
        ("stmb-full-rate", full_months, rules[Rule.JKK_STMB_FULL_RATE]),
        ("stmb-reduced-rate", reduced_months, rules[Rule.JKK_STMB_REDUCED_RATE]),
    ):
        if count:
            label = ngettext(
                "Temporary incapacity: %(months)s month at %(rate)s%% of declared income",
                "Temporary incapacity: %(months)s months at %(rate)s%% of declared income",
                count,
            ) % {"months": count, "rate": _basis_points_text(rate)}
            items.append(BenefitItem(code, label, count * (request.income * rate // BASIS_POINTS)))
    return items


_ITEMISERS = {
    BenefitType.JKM: _jkm_items,
    BenefitType.JKK_DEATH: _jkk_death_items,
    BenefitType.JKK_TOTAL_DISABILITY: _total_disability_items,
    BenefitType.JKK_PARTIAL_DISABILITY: _partial_disability_items,
    BenefitType.JKK_STMB: _stmb_items,
}


def _scholarship_eligible(kind: BenefitType, request: BenefitRequest, rules: _Rules, reasons: list[str]) -> bool:
    if kind in _SCHOLARSHIP_WITHOUT_MINIMUM:
        reasons.append(_("The children's scholarship needs no minimum contribution period for this benefit."))
        return True
    if kind is not BenefitType.JKM:
        return False
    minimum = rules[Rule.SCHOLARSHIP_MIN_MONTHS]
    paid = (
        request.paid_months
        if request.paid_months is not None
        else whole_months_between(request.membership_start, request.incident)
    )
    eligible = paid >= minimum
    if eligible:
        message = ngettext(
            "%(paid)s month of contributions: the children's scholarship is due (it needs at least %(minimum)s).",
            "%(paid)s months of contributions: the children's scholarship is due (it needs at least %(minimum)s).",
            paid,
        )
    else:
        message = ngettext(
            "%(paid)s month of contributions: no children's scholarship (it needs at least %(minimum)s).",
            "%(paid)s months of contributions: no children's scholarship (it needs at least %(minimum)s).",
            paid,
        )
    reasons.append(message % {"paid": paid, "minimum": minimum})
    return eligible


def _notes(kind: BenefitType, rules: _Rules, scholarship: bool, limits: dict[str, int]) -> list[str]:
    notes = []
    if kind.is_jkk:
        notes.append(_("Medical care is paid as medically needed, with no ceiling."))
        notes.append(
            _("Transport of the injured worker is paid up to %(land)s by land, %(sea)s by sea and %(air)s by air.")
            % {
                "land": rupiah(rules[Rule.JKK_TRANSPORT_LAND]),
                "sea": rupiah(rules[Rule.JKK_TRANSPORT_SEA]),
                "air": rupiah(rules[Rule.JKK_TRANSPORT_AIR]),
            }
        )
    if scholarship:
        notes.append(
            ngettext(
                "The scholarship is paid year by year by school level, for at most %(children)s child and at "
                "most %(amount)s in all.",
                "The scholarship is paid year by year by school level, for at most %(children)s children and at "
                "most %(amount)s in all.",
                limits["max_children"],
            )
            % {"children": limits["max_children"], "amount": rupiah(limits["max_amount"])}
        )
    return notes
