"""Who receives a death benefit: the first class of heirs in the legal order that has anyone in it.

RULES.md §3 (PP 44/2015 as amended): spouse and children together, then parents, grandchildren,
grandparents, siblings, parents-in-law, and last a person named in a will. Within the receiving class,
recorded shares (percent) are honoured and the rest is split equally among those without one. Amounts
are whole rupiah: the rupiah left over by rounding down go to the first heir listed, so the parts always
add up to the benefit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from lindung.workers.models import Heir, HeirRelation

# The legal order, as classes: the first class with anyone in it receives everything.
HEIR_CLASSES: list[frozenset[str]] = [
    frozenset({HeirRelation.SPOUSE, HeirRelation.CHILD}),
    frozenset({HeirRelation.PARENT}),
    frozenset({HeirRelation.GRANDCHILD}),
    frozenset({HeirRelation.GRANDPARENT}),
    frozenset({HeirRelation.SIBLING}),
    frozenset({HeirRelation.IN_LAW}),
    frozenset({HeirRelation.WILL}),
]
_RANK = {relation: rank for rank, group in enumerate(HEIR_CLASSES) for relation in group}


@dataclass(frozen=True)
class HeirShare:
    heir: Heir
    receives: bool
    percent: Fraction  # of the benefit; 0 for heirs of a later class
    amount: int


def heir_rank(relation: str) -> int:
    return _RANK[relation]


def distribute(heirs: Iterable[Heir], total: int) -> list[HeirShare]:
    """Every heir in legal order (spouse first, then children…), with what each receives of ``total``."""
    ordered = sorted(heirs, key=lambda h: (heir_rank(h.relation), h.relation != HeirRelation.SPOUSE, h.pk or 0))
    if not ordered:
        return []
    first_rank = heir_rank(ordered[0].relation)
    receiving = [h for h in ordered if heir_rank(h.relation) == first_rank]
    fixed = sum(h.share or 0 for h in receiving)
    open_heirs = [h for h in receiving if not h.share]
    # Recorded shares that leave nothing for the others, or add up to more than all: split equally instead.
    if fixed > 100 or (open_heirs and fixed >= 100) or (not open_heirs and fixed != 100):
        percents = {id(h): Fraction(100, len(receiving)) for h in receiving}
    else:
        rest = Fraction(100 - fixed, len(open_heirs)) if open_heirs else Fraction(0)
        percents = {id(h): Fraction(h.share) if h.share else rest for h in receiving}
    # Exact fractions, rounded down once per heir: no float drift on a rupiah amount.
    amounts = {id(h): int(total * percents[id(h)] / 100) for h in receiving}
    amounts[id(receiving[0])] += total - sum(amounts.values())
    return [
        HeirShare(
            heir=h, receives=id(h) in percents, percent=percents.get(id(h), Fraction(0)), amount=amounts.get(id(h), 0)
        )
        for h in ordered
    ]
