"""Reading workers. Every queryset here starts from the user's region scope (``lindung.accounts.scope``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.lookups import Exact

from lindung.accounts.models import User
from lindung.accounts.scope import RegionScope, scope_of, scope_queryset
from lindung.audit.models import AuditEntry
from lindung.regions.models import Region
from lindung.workers.models import NikTail, OccupationCategory, Worker
from lindung.workers.nik import MASK_HEAD, MASK_TAIL
from lindung.workers.nik_hash import nik_keyed_hash

SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "registered": ("created_at", "pk"),
    "-registered": ("-created_at", "-pk"),
}
_NIK_QUERY = re.compile(r"^[0-9]{16}$")
# The digits a masked NIK shows at its end (``nik_mask``), alone or with its first four and the stars between,
# as the list shows it (``6101******800001``).
_NIK_TAIL_QUERY = re.compile(rf"^(?:([0-9]{{{MASK_HEAD}}})\*+)?([0-9]{{{MASK_TAIL}}})$")
# A trigram index cannot help a name fragment shorter than three letters: it would read every row.
MIN_NAME_QUERY = 3
# The words of a name search that are matched (each word of a name must be found, in any order).
MAX_NAME_WORDS = 5
_WORD_SEPARATORS = re.compile(r"[\s,]+")
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

    ``q`` is read by ``worker_search_q``: a whole NIK, the last six digits of one, or the words of a name.
    ``condition``: a further filter from an app above the registry, applied with the registry's own before
    a name search is narrowed (the list page's enrolment filters, ``lindung.enrolments.selectors``).
    """
    filters = filters or WorkerFilters()
    qs = scope_queryset(Worker.objects.all(), user)
    search = worker_search_q(q)
    if search is None:
        return qs.none()
    qs = qs.filter(search)
    # A name or a NIK's last digits: matches anywhere in the index order, which a page sorted by name would walk.
    narrow = bool(q.strip()) and not _NIK_QUERY.match(_digits_query(q))
    if filters.regency:
        # Within the scope already applied: a regency outside it simply leaves nothing.
        qs = qs.filter(regency_code=filters.regency)
    if filters.category:
        # The id, not a join on the code: PostgreSQL then estimates the category's share of the rows.
        category_id = OccupationCategory.objects.filter(code=filters.category).values_list("pk", flat=True).first()
        qs = qs.filter(occupation_id=category_id) if category_id is not None else qs.none()
    if condition is not None:
        qs = qs.filter(condition)
    if narrow:
        qs = _narrow_to_matches(qs)
    return qs.order_by(*SORTS.get(sort, SORTS["name"]))


def worker_search_q(q: str, *, prefix: str = "") -> Q | None:
    """What a search box's ``q`` matches, as a condition on the worker (``prefix``: the path to the worker
    from another model, ``"worker__"``); ``None`` when it cannot match anything (a name too short).

    1. Exactly 16 digits (separators ignored): the NIK, exactly (the unique index).
    2. The last six digits of a NIK, alone or as the list shows a masked NIK (``6101******800001``): the NIKs
       ending so (``NikTail``'s index, migration 0006), and starting with the four shown.
    3. Anything else: a name holding every word of ``q`` (up to ``MAX_NAME_WORDS``), in any order and
       case-insensitively: "Suparman Ahmad" finds "Ahmad Suparman". On PostgreSQL each word is a condition
       the trigram index on ``UPPER(name)`` answers (migration 0003); the words are read whole, so a word of
       one or two letters narrows what the longer ones found. At least one word must have
       ``MIN_NAME_QUERY`` letters: a trigram index cannot help shorter ones.
    """
    q = q.strip()
    if not q:
        return Q()
    if digits := _digits_query(q):
        if _NIK_QUERY.match(digits):
            return Q(**{f"{prefix}nik": digits})
        head, tail = _NIK_TAIL_QUERY.match(digits).groups()  # type: ignore[union-attr]
        condition = Q(Exact(NikTail(f"{prefix}nik"), tail))
        if head:
            condition &= Q(**{f"{prefix}nik__startswith": head})
        return condition
    words = name_words(q)
    if not words:
        return None
    condition = Q()
    for word in words:
        condition &= Q(**{f"{prefix}name__icontains": word})
    return condition


def name_words(q: str) -> list[str]:
    """The words of a name search that are matched, or none when no word is long enough to search by."""
    words = list(dict.fromkeys(word for word in _WORD_SEPARATORS.split(q.strip()) if word))[:MAX_NAME_WORDS]
    if not any(len(word) >= MIN_NAME_QUERY for word in words):
        return []
    return words


def _digits_query(q: str) -> str:
    """``q`` without separators when it is a NIK or the end of one (``worker_search_q``), else ``""``."""
    digits = _NIK_SEPARATORS.sub("", q)
    return digits if _NIK_QUERY.match(digits) or _NIK_TAIL_QUERY.match(digits) else ""


def is_name_query_too_short(q: str) -> bool:
    return worker_search_q(q) is None


def _narrow_to_matches(qs: QuerySet[Worker]) -> QuerySet[Worker]:
    """On PostgreSQL, a search by name (or by a NIK's last digits) with few matches pages over their ids instead
    of the name index.

    Sorted by name, PostgreSQL walks the (region, name) index hoping to meet 50 matches early; for a
    name whose matches all sort late ("zahra") it reads most of the index: seconds at a million
    workers (BENCHMARKS.md). Collecting the ids through the trigram index (or ``NikTail``'s) alone (bitmap scans only)
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


def worker_registered_before(*, nik: str) -> Worker | None:
    """The anonymised worker who held ``nik`` (found by its keyed hash, ``nik_hash``), unscoped as
    ``worker_nik_holder``; None when the NIK was never anonymised."""
    return (
        # The exclusion names the condition of the partial index ``worker_nik_hash`` so that SQLite uses it too.
        Worker.objects.filter(nik_hash=nik_keyed_hash(nik))
        .exclude(nik_hash="")
        .only("pk", "village", "regency_code", "anonymised_on")
        .order_by("pk")
        .first()
    )


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
