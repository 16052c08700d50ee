"""Workers at risk: active workers one, two, three or more months in arrears, in the drilled region and per
child region (the headline figures ``arrears_1``, ``arrears_2`` and ``arrears_3_plus``)."""

from __future__ import annotations

from dataclasses import dataclass

from lindung.contributions.headline import HeadlineFigures
from lindung.dashboard.figures.headline import RegionHeadlines
from lindung.dashboard.figures.place import Place


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


def _risk(code: str, name: str, figures: HeadlineFigures) -> RegionRisk:
    return RegionRisk(
        code, name, figures.number("arrears_1"), figures.number("arrears_2"), figures.number("arrears_3_plus")
    )


def at_risk_by_region(place: Place, headlines: RegionHeadlines) -> tuple[RegionRisk, tuple[RegionRisk, ...]]:
    """The drilled region's totals, and one row per child region, in code order."""
    totals = _risk(place.code, place.region.name, headlines.total)
    children = tuple(
        _risk(child.code, child.name, headlines.by_child[child.code])
        for child in place.children
        if place.child_column is not None
    )
    return totals, children
