"""Pagination for lists over large region-stamped tables."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CappedPaginator(Paginator):
    """Counts at most ``CAP`` rows: an exact count of a million rows costs more than the page itself,
    and nobody pages past 200 pages; the page says "more than 10,000" and asks for a narrower search."""

    CAP = 10_000

    @cached_property
    def _counted(self) -> int:
        assert isinstance(self.object_list, QuerySet)
        # One query: SELECT COUNT(*) FROM (SELECT id ... LIMIT CAP + 1); the extra row tells "more than CAP".
        # Without the order and the joins of the page, which a count does not need and which would make
        # PostgreSQL walk the name index instead of the search's own index.
        return self.object_list.order_by().select_related(None).values("pk")[: self.CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.CAP)

    @property
    def capped(self) -> bool:
        return self._counted > self.CAP
