"""Where the figures are of: the drilled region, the regions above it (the trail) and below it (the children)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.scope import RegionScope, scope_of
from lindung.dashboard.filters import DashboardFilters, default_region
from lindung.regions.codes import ancestors, is_within, level_of
from lindung.regions.models import Region

# The column of a summary table that names the child region, by the level of the drilled region (0: the whole
# installation). The claims have the same columns but the district's.
_CHILD_COLUMN = {0: "province_code", 1: "regency_code", 2: "district_code", 3: "village_id"}


@dataclass(frozen=True)
class RegionRef:
    code: str
    name: str


@dataclass(frozen=True)
class Place:
    region: RegionRef  # the drilled region ("" and the installation's name for everything)
    trail: tuple[RegionRef, ...]  # from the user's region down to the drilled one (for the breadcrumbs)
    children: tuple[Region, ...]  # the regions one level down, in code order (none at a village)
    child_column: str | None  # see _CHILD_COLUMN; None at a village

    @property
    def code(self) -> str:
        return self.region.code

    @property
    def child_level(self) -> int | None:
        """The ``Region.Level`` of the children, None at a village."""
        if self.child_column is None:
            return None
        return level_of(self.code) + 1 if self.code else 1

    @property
    def within(self) -> RegionScope:
        """The drilled region as a scope, so that its rows are chosen by the one region filter
        (``lindung.accounts.scope``). It narrows the user's own scope, never replaces it."""
        return RegionScope(code=self.code or None)


def place_of(user: User, filters: DashboardFilters) -> Place:
    """The filters' region when the user's scope covers it, else the user's own region."""
    code = filters.region if filters.region and scope_of(user).covers(filters.region) else default_region(user)
    child_column = _CHILD_COLUMN.get(level_of(code) if code else 0)
    return Place(
        region=_region_ref(code),
        trail=_trail(user, code),
        children=tuple(_children(code)),
        child_column=child_column,
    )


def _region_ref(code: str) -> RegionRef:
    if not code:
        return RegionRef("", gettext("Indonesia"))
    name = Region.objects.filter(code=code).values_list("name", flat=True).first()
    return RegionRef(code, name or code)


def _trail(user: User, region: str) -> tuple[RegionRef, ...]:
    """The drilled region and the regions above it, down from the user's own region."""
    top = default_region(user)
    codes = [c for c in [*ancestors(region), region] if c and (not top or is_within(c, top))] if region else []
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    head = [RegionRef("", gettext("Indonesia"))] if not top else []
    return tuple(head + [RegionRef(c, names.get(c, c)) for c in codes])


def _children(region: str) -> list[Region]:
    if not region:
        return list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"))
    return list(Region.objects.filter(parent_id=region).order_by("code"))
