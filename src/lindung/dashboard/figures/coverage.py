"""Coverage by region: covered, in process and ended workers of the drilled region and of each child region,
against the target (the headline figures, ``lindung.contributions.headline``)."""

from __future__ import annotations

from dataclasses import dataclass

from lindung.contributions.headline import HeadlineFigures
from lindung.dashboard.figures.headline import RegionHeadlines
from lindung.dashboard.figures.place import Place


@dataclass(frozen=True)
class RegionCoverage:
    """One child region of the drilled region (or the totals, with the drilled region's code and name)."""

    code: str
    name: str
    covered: int
    target: int | None
    in_process: int = 0
    ended: int = 0

    @property
    def percent(self) -> float | None:
        """Covered against target, in percent (one decimal); None without a target."""
        return round(100 * self.covered / self.target, 1) if self.target else None


def _coverage(code: str, name: str, figures: HeadlineFigures) -> RegionCoverage:
    return RegionCoverage(
        code=code,
        name=name,
        covered=figures.number("covered"),
        target=figures["target"],
        in_process=figures.number("in_process"),
        ended=figures.number("ended"),
    )


def coverage_by_region(place: Place, headlines: RegionHeadlines) -> tuple[RegionCoverage, tuple[RegionCoverage, ...]]:
    """The drilled region's totals, and one row per child region, with or without workers, in code order."""
    totals = _coverage(place.code, place.region.name, headlines.total)
    children = tuple(
        _coverage(child.code, child.name, headlines.by_child[child.code])
        for child in place.children
        if place.child_column is not None
    )
    return totals, children
