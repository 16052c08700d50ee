"""The monthly contribution for one worker, from the rule tables in force that month (RULES.md §2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from lindung.inputs import rupiah_text
from lindung.months import next_month
from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue
from lindung.rules.selectors import rules_in_force

if TYPE_CHECKING:
    from lindung.programmes.models import Programme

_BP = 10_000  # basis points in a whole


def percent_of(amount: int, basis_points: int) -> int:
    """``amount`` × ``basis_points`` / 10,000 in whole rupiah, half rounded up; never a float."""
    return (amount * basis_points + _BP // 2) // _BP


@dataclass(frozen=True)
class MonthlyContribution:
    month: dt.date
    jkk: int
    jkm: int
    jht: int
    discount: int  # already taken off jkk and jkm; shown for the invoice breakdown

    @property
    def total(self) -> int:
        return self.jkk + self.jkm + self.jht


class IncomeBelowMinimum(ValueError):
    pass


def monthly_contribution(
    *,
    month: dt.date,
    declared_income: int,
    government_funded: bool,
    jkk: bool = True,
    jkm: bool = True,
    jht: bool = False,
) -> MonthlyContribution:
    """What one worker's month costs.

    1. The rules are those in force on the first day of ``month``: a rule that starts mid-month
       applies from the next month, so a whole month always has one price.
    2. JKK and JHT are a share of the declared income, JKM is flat.
    3. A BPU discount (PP 49/2020, PP 50/2025) comes off JKK and JKM, unless the participant is paid
       from a state or regional budget and the rule of that period excludes them.
    """
    first_day = month.replace(day=1)
    rules = rules_in_force(on=first_day)
    minimum = rules[Rule.MIN_DECLARED_INCOME]
    if declared_income < minimum:
        raise IncomeBelowMinimum(f"declared income {declared_income} is below the minimum {minimum}")
    jkk_amount = percent_of(declared_income, rules[Rule.JKK_RATE]) if jkk else 0
    jkm_amount = rules[Rule.JKM_FLAT] if jkm else 0
    jht_amount = percent_of(declared_income, rules[Rule.JHT_RATE]) if jht else 0
    discount_bp = rules[Rule.BPU_DISCOUNT]
    if government_funded and not rules[Rule.DISCOUNT_FOR_GOVERNMENT_FUNDED]:
        discount_bp = 0
    jkk_off = percent_of(jkk_amount, discount_bp)
    jkm_off = percent_of(jkm_amount, discount_bp)
    return MonthlyContribution(
        month=first_day,
        jkk=jkk_amount - jkk_off,
        jkm=jkm_amount - jkm_off,
        jht=jht_amount,
        discount=jkk_off + jkm_off,
    )


def programme_pricing_refusals(programme: Programme) -> dict[str, str]:
    """Why the months of ``programme`` cannot be priced, by field (empty when they can): the contribution rules
    must be in force from its first month and its declared income at least the minimum of every month.

    The price changes only in a month whose first day a rule change has reached, so the first month and those
    months are priced, not every month of the period.
    """
    first, last = programme.coverage_start.replace(day=1), programme.coverage_end
    changes = RuleValue.objects.filter(
        key__startswith="contribution.", effective_from__gt=first, effective_from__lte=last
    ).values_list("effective_from", flat=True)
    months = {first} | {day if day.day == 1 else next_month(day) for day in changes}
    for month in sorted(m for m in months if m <= last):
        try:
            programme_monthly_contribution(programme, month)
        except KeyError:
            return {
                "coverage_start": gettext(
                    "No contribution rates are in force in %(month)s: coverage can start once the rules are in force."
                )
                % {"month": f"{month:%Y-%m}"}
            }
        except IncomeBelowMinimum:
            minimum = rules_in_force(on=month)[Rule.MIN_DECLARED_INCOME]
            return {
                "declared_income": gettext(
                    "The declared income is below the minimum of %(minimum)s in force in %(month)s."
                )
                % {"minimum": rupiah_text(minimum), "month": f"{month:%Y-%m}"}
            }
    return {}


def programme_monthly_contribution(programme: Programme, month: dt.date) -> MonthlyContribution:
    """What one worker's ``month`` costs in ``programme``: its declared income, funder and components."""
    return monthly_contribution(
        month=month,
        declared_income=programme.declared_income,
        government_funded=programme.is_government_funded,
        jkk=programme.includes_jkk,
        jkm=programme.includes_jkm,
        jht=programme.includes_jht,
    )
