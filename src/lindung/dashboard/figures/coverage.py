"""Coverage by region: covered, in process and ended workers of the drilled region and of each child region,
against the programmes' targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lindung.dashboard.figures.place import Place
from lindung.dashboard.figures.summary import RegionSums, VillageSums
from lindung.programmes.models import Programme, RegencyQuota
from lindung.regions.codes import is_within


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


@dataclass(frozen=True)
class ProgrammeTarget:
    region: str  # the programme's region
    target: int  # Programme.target_workers
    quotas: Mapping[str, int]  # regency → RegencyQuota.quota


def programme_targets(programmes: Iterable[Programme]) -> list[ProgrammeTarget]:
    programmes = list(programmes)
    quotas: dict[int, dict[str, int]] = {}
    rows = RegencyQuota.objects.filter(programme__in=programmes).values_list("programme_id", "regency_id", "quota")
    for programme_id, regency, quota in rows:
        quotas.setdefault(programme_id, {})[regency] = quota
    return [ProgrammeTarget(p.region_id, p.target_workers, quotas.get(p.pk, {})) for p in programmes]


def target_for(code: str, targets: Iterable[ProgrammeTarget]) -> int | None:
    """The target of region ``code`` summed over the programmes: a programme whose region lies within
    ``code`` brings its whole target, a programme of a wider region its quota for ``code`` (regencies only).
    None when no programme sets one."""
    found = []
    for target in targets:
        if not code or is_within(target.region, code):
            found.append(target.target)
        elif code in target.quotas:
            found.append(target.quotas[code])
    return sum(found) if found else None


def _coverage(code: str, name: str, sums: VillageSums, targets: list[ProgrammeTarget]) -> RegionCoverage:
    return RegionCoverage(
        code=code,
        name=name,
        covered=sums.covered,
        target=target_for(code, targets),
        in_process=sums.in_process,
        ended=sums.ended,
    )


def coverage_by_region(
    place: Place, sums: RegionSums, programmes: Iterable[Programme]
) -> tuple[RegionCoverage, tuple[RegionCoverage, ...]]:
    """The drilled region's totals, and one row per child region, with or without workers, in code order."""
    targets = programme_targets(programmes)
    totals = _coverage(place.code, place.region.name, sums.total, targets)
    children = tuple(
        _coverage(child.code, child.name, sums.by_child.get(child.code, VillageSums()), targets)
        for child in place.children
        if place.child_column is not None
    )
    return totals, children
