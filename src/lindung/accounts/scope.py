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
        return region_code == self.code or region_code.startswith(self.code + ".")

    def q(self, *, province: str = "province_code", regency: str = "regency_code", village: str = "village") -> Q:
        """A filter on a table's region columns, using the narrowest indexed column that answers."""
        if self.nothing:
            return Q(pk__in=[])
        if self.everything or self.code is None:
            return Q()
        depth = self.code.count(".") + 1
        if depth == 1:
            return Q(**{province: self.code})
        if depth == 2:
            return Q(**{regency: self.code})
        if depth == 3:
            return Q(**{regency: self.code[:5], f"{village}__code__startswith": self.code + "."})
        return Q(**{village: self.code})


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


def scope_code_q(user: User | AnonymousUser, column: str = "region_code") -> Q:
    """A filter on one text column holding a dotted region code: the user's region and everything under it.

    For tables that keep a single code rather than the stamped columns (the audit log). Rows with an
    empty code are not matched here; a caller that keeps installation-wide rows decides who sees them.
    """
    scope = scope_of(user)
    if scope.nothing:
        return Q(pk__in=[])
    if scope.everything or scope.code is None:
        return Q()
    return Q(**{column: scope.code}) | Q(**{f"{column}__startswith": scope.code + "."})
