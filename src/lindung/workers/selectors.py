"""Reading workers. Every queryset here starts from the user's region scope (``lindung.accounts.scope``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Q, QuerySet

from lindung.accounts.models import User
from lindung.accounts.scope import RegionScope, scope_of, scope_queryset
from lindung.audit.models import AuditEntry
from lindung.regions.models import Region
from lindung.workers.models import OccupationCategory, Worker

SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "registered": ("created_at", "pk"),
    "-registered": ("-created_at", "-pk"),
}
_NIK_QUERY = re.compile(r"^[0-9]{16}$")
# A trigram index cannot help a name fragment shorter than three letters: it would read every row.
MIN_NAME_QUERY = 3
# Up to this many matches, a name search pages over the matching ids (see _narrow_to_matches).
NAME_MATCH_CAP = 10_000
_NIK_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class WorkerFilters:
    """The registry's own filters of the list; empty values filter nothing."""

    regency: str = ""
    category: str = ""

    def as_dict(self) -> dict[str, str | int | None]:
        return {"regency": self.regency, "category": self.category}


def worker_list(
    *,
    user: User | AnonymousUser,
    q: str = "",
    filters: WorkerFilters | None = None,
    sort: str = "name",
    condition: Q | None = None,
) -> QuerySet[Worker]:
    """The workers ``user`` may see, searched, filtered and sorted.

    ``q`` of exactly 16 digits (separators ignored) is a NIK and matches exactly (the unique index);
    anything else searches names, case-insensitively (a trigram index on PostgreSQL, migration 0003).
    ``condition``: a further filter from an app above the registry, applied with the registry's own before
    a name search is narrowed (the list page's enrolment filters, ``lindung.enrolments.selectors``).
    """
    filters = filters or WorkerFilters()
    qs = scope_queryset(Worker.objects.all(), user)
    q = q.strip()
    name_search = False
    if q:
        digits = _NIK_SEPARATORS.sub("", q)
        if _NIK_QUERY.match(digits):
            qs = qs.filter(nik=digits)
        elif len(q) < MIN_NAME_QUERY:
            return qs.none()
        else:
            qs = qs.filter(name__icontains=q)
            name_search = True
    if filters.regency:
        # Within the scope already applied: a regency outside it simply leaves nothing.
        qs = qs.filter(regency_code=filters.regency)
    if filters.category:
        # The id, not a join on the code: PostgreSQL then estimates the category's share of the rows.
        category_id = OccupationCategory.objects.filter(code=filters.category).values_list("pk", flat=True).first()
        qs = qs.filter(occupation_id=category_id) if category_id is not None else qs.none()
    if condition is not None:
        qs = qs.filter(condition)
    if name_search:
        qs = _narrow_to_matches(qs)
    return qs.order_by(*SORTS.get(sort, SORTS["name"]))


def is_name_query_too_short(q: str) -> bool:
    q = q.strip()
    return bool(q) and not _NIK_QUERY.match(_NIK_SEPARATORS.sub("", q)) and len(q) < MIN_NAME_QUERY


def _narrow_to_matches(qs: QuerySet[Worker]) -> QuerySet[Worker]:
    """On PostgreSQL, a name search with few matches pages over their ids instead of the name index.

    Sorted by name, PostgreSQL walks the (region, name) index hoping to meet 50 matches early; for a
    name whose matches all sort late ("zahra") it reads most of the index: seconds at a million
    workers (BENCHMARKS.md). Collecting the ids through the trigram index alone (bitmap scans only)
    costs milliseconds; up to ``NAME_MATCH_CAP`` of them are then sorted directly. Above the cap the
    matches are dense, so the ordered walk finds a page quickly and the query stays as it was.
    """
    if connection.vendor != "postgresql":
        return qs
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off")
        try:
            ids = list(qs.order_by().values_list("pk", flat=True)[: NAME_MATCH_CAP + 1])
        finally:
            # Inside an outer transaction the savepoint's release would keep SET LOCAL until its end.
            cursor.execute("RESET enable_indexscan; RESET enable_indexonlyscan")
    if len(ids) > NAME_MATCH_CAP:
        return qs
    return Worker.objects.filter(pk__in=ids)


def worker_nik_holder(*, nik: str) -> Worker | None:
    """Who holds ``nik`` anywhere in the installation, unscoped on purpose: a NIK is unique everywhere.

    Callers may only reveal what the asker's scope allows (see ``services.worker_register``).
    """
    return Worker.objects.filter(nik=nik).only("pk", "village", "regency_code").first()


def worker_history(*, worker: Worker, limit: int = 100) -> QuerySet[AuditEntry]:
    """The audit entries of the worker and of their enrolments, newest first."""
    enrolment_ids = [str(pk) for pk in worker.enrolments.values_list("pk", flat=True)]
    return AuditEntry.objects.filter(
        Q(object_type="workers.worker", object_id=str(worker.pk))
        | Q(object_type="enrolments.enrolment", object_id__in=enrolment_ids)
    ).order_by("-at", "-id")[:limit]


# Regions for the regency → district → village picker.


def _relevant(scope: RegionScope) -> Q:
    """Regions inside the scope, and the scope's own ancestors (a village operator's regency and district)."""
    return scope.code_q("code", with_ancestors=True)


def regions_in_scope(*, user: User | AnonymousUser, level: int, parent: str | None = None) -> QuerySet[Region]:
    """Regions of ``level`` on the way to or inside the user's region (for picking a village)."""
    qs = Region.objects.filter(_relevant(scope_of(user)), level=level)
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    return qs.order_by("name")


def region_children_in_scope(*, user: User | AnonymousUser, parent: str) -> QuerySet[Region]:
    """The children of ``parent`` that the user may pick; nothing when ``parent`` is not theirs."""
    scope = scope_of(user)
    if not Region.objects.filter(_relevant(scope), code=parent).exists():
        return Region.objects.none()
    return Region.objects.filter(_relevant(scope), parent_id=parent).order_by("name")


def villages_in_scope(*, user: User | AnonymousUser) -> QuerySet[Region]:
    """The villages where ``user`` may register a worker: inside their region (a village operator: their own)."""
    scope = scope_of(user)
    qs = Region.objects.filter(level=Region.Level.VILLAGE)
    if scope.nothing:
        return qs.none()
    if scope.code is not None and not scope.everything:
        qs = qs.filter(Q(code=scope.code) | Q(code__startswith=scope.code + "."))
    return qs.select_related("parent").order_by("parent__name", "name")
