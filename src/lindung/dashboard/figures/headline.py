"""The headline figures (``lindung.contributions.headline``) of the drilled region and of each child region, read
from the village summary: the same definitions, counted on the day of the last refresh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lindung.contributions.headline import HeadlineFigures, HeadlineScope, headline_figures, targets_by_region
from lindung.dashboard.figures.place import Place
from lindung.dashboard.figures.summary import HEADLINE_COLUMNS, RegionSums, counted
from lindung.programmes.models import Programme

# What the per-region tables show: the summary's figures and the target, so no child asks a selector.
CHILD_KEYS = (*HEADLINE_COLUMNS, "outstanding", "target")


@dataclass(frozen=True)
class RegionHeadlines:
    total: HeadlineFigures  # the drilled region
    by_child: Mapping[str, HeadlineFigures]  # every child region (one level down), with or without rows


def region_headlines(
    place: Place, sums: RegionSums, programmes: Sequence[Programme], *, single: bool, day: dt.date
) -> RegionHeadlines:
    """The totals from the summary (a figure it does not hold is asked of its selector), each child's from its
    rows; the targets with one query for the regency quotas."""
    children = [child.code for child in place.children] if place.child_column is not None else []
    targets = targets_by_region(programmes, [place.code, *children])

    def scope(code: str) -> HeadlineScope:
        return HeadlineScope(tuple(programmes), code, day, single=single)

    total = headline_figures(
        scope(place.code), counted={**counted(sums.total_by_programme), "target": targets[place.code]}
    )
    by_child = {
        code: headline_figures(
            scope(code),
            keys=CHILD_KEYS,
            counted={**counted(sums.by_child_programme.get(code, {})), "target": targets[code]},
        )
        for code in children
    }
    return RegionHeadlines(total=total, by_child=by_child)
