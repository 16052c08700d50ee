from __future__ import annotations

from django.db.models import QuerySet

from lindung.regions.models import Region


def region_children(*, parent_code: str | None) -> QuerySet[Region]:
    if parent_code is None:
        return Region.objects.filter(level=Region.Level.PROVINCE)
    return Region.objects.filter(parent_id=parent_code)


def region_count_below(*, code: str, level: int) -> int:
    return Region.objects.filter(level=level, code__startswith=code + ".").count()
