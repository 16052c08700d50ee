"""Region scope: the one place that decides which rows a user may see.

Every queryset behind a page, an export, a download, a search or an API passes through
``scope_queryset``. A row outside the user's region is not forbidden but *absent*: views answer
404, never 403, so that guessing an id does not confirm that a record exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from lindung.accounts.models import User
from lindung.regions.codes import ancestors, is_within


@dataclass(frozen=True)
class RegionScope:
    """``code`` is a dotted region code (``61``, ``61.01``, ``61.01.01.2001``); ``None`` means everything."""

    code: str | None
    everything: bool = False
    nothing: bool = False

    def covers(self, region_code: str) -> bool:
        if self.nothing:
            return False
        if self.everything or self.code is None:
            return True
        return is_within(region_code, self.code)

    def q(
        self,
        *,
        province: str = "province_code",
        regency: str = "regency_code",
        village: str = "village",
        district: str | None = None,
    ) -> Q:
        """A filter on a table's region columns, using the narrowest indexed column that answers.

        A district is its regency's rows whose village code lies under it, unless the table stamps the district
        too (``district`` names that column: the dashboard's summary tables).
        """
        if self.nothing:
            return Q(pk__in=[])
        if self.everything or self.code is None:
            return Q()
        depth = self.code.count(".") + 1
        if depth == 1:
            return Q(**{province: self.code})
        if depth == 2:
            return Q(**{regency: self.code})
        if depth == 3 and district is not None:
            return Q(**{district: self.code})
        if depth == 3:
            return Q(**{regency: self.code[:5], f"{village}__code__startswith": self.code + "."})
        return Q(**{village: self.code})

    def code_q(self, column: str, *, with_ancestors: bool = False) -> Q:
        """A filter on one column holding a dotted region code: the scope's region and everything under
        it, and with ``with_ancestors`` the regions that contain it too (a provincial programme covers a
        regency's workers; a village operator picks their village through its regency and district)."""
        if self.nothing:
            return Q(pk__in=[])
        if self.everything or self.code is None:
            return Q()
        q = Q(**{column: self.code}) | Q(**{f"{column}__startswith": self.code + "."})
        if with_ancestors:
            q |= Q(**{f"{column}__in": ancestors(self.code)})
        return q


NOTHING = RegionScope(code=None, nothing=True)
EVERYTHING = RegionScope(code=None, everything=True)


def scope_of(user: User | AnonymousUser) -> RegionScope:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    assert isinstance(user, User)
    if user.region_id:
        return RegionScope(code=user.region_id)
    if user.is_superuser:
        return EVERYTHING
    return NOTHING


def scope_queryset[M: Model](queryset: QuerySet[M], user: User | AnonymousUser, **columns: str) -> QuerySet[M]:
    """The rows of a region-stamped table that ``user`` may see; ``columns`` renames the region columns."""
    return queryset.filter(scope_of(user).q(**columns))


def get_in_scope_or_404[M: Model](queryset: QuerySet[M], user: User | AnonymousUser, **lookup: object) -> M:
    try:
        return scope_queryset(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None


def scope_code_q(user: User | AnonymousUser, column: str = "region_code", *, with_ancestors: bool = False) -> Q:
    """A filter on one text column holding a dotted region code: the user's region and everything under it.

    For tables that keep a single code rather than the stamped columns (the audit log, programmes). Rows
    with an empty code are not matched here; a caller that keeps installation-wide rows decides who sees
    them. See ``RegionScope.code_q`` for ``with_ancestors``.
    """
    return scope_of(user).code_q(column, with_ancestors=with_ancestors)
