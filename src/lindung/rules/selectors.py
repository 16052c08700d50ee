"""Reading the rule in force on a given day."""

from __future__ import annotations

import datetime as dt

from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue


class RuleMissing(LookupError):
    """No row of the rule is in force on that day: the rule file or its loading is incomplete."""


def rule_value(key: Rule, *, on: dt.date) -> int:
    row = (
        RuleValue.objects.filter(key=key, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("value", flat=True)
        .first()
    )
    if row is None:
        raise RuleMissing(f"no value of {key} is in force on {on.isoformat()}")
    return row


def rules_in_force(*, on: dt.date) -> dict[Rule, int]:
    """Every rule's value on one day, from one query (for pages and calculations that need several)."""
    in_force: dict[Rule, int] = {}
    # Ascending by date: later rows overwrite earlier ones, leaving the newest in force per key.
    for key, value in (
        RuleValue.objects.filter(effective_from__lte=on).order_by("key", "effective_from").values_list("key", "value")
    ):
        in_force[Rule(key)] = value
    return in_force
