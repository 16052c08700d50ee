"""``/api/v1/regions``: the Kemendagri regions (read), public reference data within the caller's reach."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from lindung.api.conventions import PAGE_DEFAULT, Page
from lindung.regions.models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    kind: str
    parent: str | None


class RegionFilter(Schema):
    parent: str | None = None
    level: int | None = None
    cursor: str | None = None
    limit: int = PAGE_DEFAULT


def _shape(region: Region) -> RegionOut:
    return RegionOut(code=region.code, name=region.name, level=region.level, kind=region.kind, parent=region.parent_id)


@router.get("", response=Page[RegionOut], summary="List regions (children of a region, or one level)")
def regions_list(request: HttpRequest, filters: Query[RegionFilter]) -> Page[RegionOut]:
    """Regions are public reference data (Kepmendagri); they are listed to every caller, by code."""
    regions = Region.objects.all()
    if filters.parent:
        regions = regions.filter(parent_id=filters.parent[:13])
    if filters.level:
        regions = regions.filter(level=filters.level)
    limit = max(1, min(filters.limit, 500))
    if filters.cursor:
        regions = regions.filter(code__gt=filters.cursor[:13])
    rows = list(regions.order_by("code")[: limit + 1])
    next_cursor = rows[limit - 1].code if len(rows) > limit else None
    return Page[RegionOut](items=[_shape(r) for r in rows[:limit]], next_cursor=next_cursor)


@router.get("/{code}", response=RegionOut, summary="One region")
def region_read(request: HttpRequest, code: str) -> RegionOut:
    return _shape(get_object_or_404(Region, code=code[:13]))
