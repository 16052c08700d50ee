"""Reading the retention runs' counts, within the reader's region."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.pdp.models import RetentionCount, RetentionKind, RetentionRun

RUNS_SHOWN = 30


@dataclass(frozen=True)
class RunCounts:
    run: RetentionRun
    counts: dict[str, int]  # by kind, every kind, within the reader's region

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def retention_report(user: User, *, runs: int = RUNS_SHOWN) -> list[RunCounts]:
    """The latest runs, newest first, with what each anonymised by kind in the reader's region: counts only."""
    require(user, Action.PDP_MANAGE)
    latest = list(RetentionRun.objects.order_by("-ran_at", "-pk")[:runs])
    # Counts are kept by regency: a reader narrower than a regency sees none.
    scope = scope_of(user).code_q("regency_code")
    sums = (
        RetentionCount.objects.filter(scope, run__in=latest)
        .values("run_id", "kind")
        .annotate(total=Sum("count"))
        .order_by()
    )
    by_run: dict[int, dict[str, int]] = {run.pk: {kind.value: 0 for kind in RetentionKind} for run in latest}
    for row in sums:
        by_run[row["run_id"]][row["kind"]] = row["total"]
    return [RunCounts(run=run, counts=by_run[run.pk]) for run in latest]
