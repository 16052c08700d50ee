"""Workers at risk: active workers one, two, three or more months in arrears, in the drilled region and per
child region (the arrears are counted by the nightly coverage job, then summed into the village summary)."""

from __future__ import annotations

from dataclasses import dataclass

from lindung.dashboard.figures.place import Place
from lindung.dashboard.figures.summary import RegionSums, VillageSums


@dataclass(frozen=True)
class RegionRisk:
    code: str
    name: str
    one: int
    two: int
    three: int  # 3 months or more

    @property
    def total(self) -> int:
        return self.one + self.two + self.three


def _risk(code: str, name: str, sums: VillageSums) -> RegionRisk:
    return RegionRisk(code, name, sums.arrears_one, sums.arrears_two, sums.arrears_three)


def at_risk_by_region(place: Place, sums: RegionSums) -> tuple[RegionRisk, tuple[RegionRisk, ...]]:
    """The drilled region's totals, and one row per child region, in code order."""
    totals = _risk(place.code, place.region.name, sums.total)
    children = tuple(
        _risk(child.code, child.name, sums.by_child.get(child.code, VillageSums()))
        for child in place.children
        if place.child_column is not None
    )
    return totals, children
