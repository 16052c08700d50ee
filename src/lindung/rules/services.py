"""Loading the versioned rule file into the database."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from django.db import transaction

from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue

RULES_FILE = "rules.csv"


@dataclass(frozen=True)
class RulesLoadResult:
    created: int
    updated: int
    unchanged: int


def _read_rule_file(path: Path | None) -> list[RuleValue]:
    text = (
        path.read_text(encoding="utf-8")
        if path
        else resources.files("lindung.rules").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    )
    known = {rule.value for rule in Rule}
    units = set(RuleValue.Unit.values)
    rows = []
    for line_no, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        if row["key"] not in known:
            raise ValueError(f"{RULES_FILE} line {line_no}: unknown rule {row['key']!r}")
        if row["unit"] not in units:
            raise ValueError(f"{RULES_FILE} line {line_no}: unknown unit {row['unit']!r}")
        if not row["source"].strip():
            raise ValueError(f"{RULES_FILE} line {line_no}: every rule needs its legal source")
        rows.append(
            RuleValue(
                key=row["key"],
                effective_from=dt.date.fromisoformat(row["effective_from"]),
                value=int(row["value"]),
                unit=row["unit"],
                source=row["source"].strip(),
                confidence=row["confidence"].strip() or "high",
                note=row["note"].strip(),
            )
        )
    return rows


def rules_load(*, path: Path | None = None) -> RulesLoadResult:
    """Create or update rule rows from the packaged file (or ``path``); idempotent.

    Rows are matched on (key, effective_from). A row removed from the file stays in the database:
    months already billed under it must still be explainable.
    """
    fields = ("value", "unit", "source", "confidence", "note")
    rows = _read_rule_file(path)
    existing = {(r.key, r.effective_from): r for r in RuleValue.objects.all()}
    created, updated = [], []
    for row in rows:
        current = existing.get((row.key, row.effective_from))
        if current is None:
            created.append(row)
        elif any(getattr(current, f) != getattr(row, f) for f in fields):
            for f in fields:
                setattr(current, f, getattr(row, f))
            updated.append(current)
    with transaction.atomic():
        RuleValue.objects.bulk_create(created)
        RuleValue.objects.bulk_update(updated, list(fields))
    return RulesLoadResult(
        created=len(created), updated=len(updated), unchanged=len(rows) - len(created) - len(updated)
    )
