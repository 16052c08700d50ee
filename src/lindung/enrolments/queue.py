"""The verification queue: the proposals a verifier decides on, with what the decision needs on one row.

Every queryset passes through the region scope of the user asking (``lindung.accounts.scope``). The facts
on a row reuse the rules where they are written, once:

- look-alike candidates: the registry's rule (``lindung.workers.registration``: same regency and birth date,
  ``lengths_close`` and ``names_alike`` of the ``fold_name``-ed names), fetched for a whole page in one query;
- overlapping government-funded coverage: ``proposals.overlapping_government_enrolments`` (one query per
  programme on the page);
- the regency quota used and left: ``RegencyQuota`` and ``proposals.quota_taken`` (held by verified, sent and
  active enrolments).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from lindung.accounts.models import User
from lindung.accounts.scope import RegionScope, scope_of, scope_queryset
from lindung.enrolments import proposals
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme, RegencyQuota
from lindung.regions.models import Region
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask
from lindung.workers.registration import workers_likely_duplicates

# Oldest proposal first: the queue is worked through in the order the proposals came.
QUEUE_ORDER = ("proposed_at", "pk")


@dataclass(frozen=True)
class QueueFilter:
    """Which proposals: of one programme and/or one regency (within the user's scope), or all."""

    programme: int | None = None
    regency: str = ""

    def as_query(self) -> dict[str, str]:
        query = {}
        if self.programme:
            query["programme"] = str(self.programme)
        if self.regency:
            query["regency"] = self.regency
        return query


def verification_queue(*, user: User, filters: QueueFilter | None = None) -> QuerySet[Enrolment]:
    """The proposals waiting for verification that ``user`` may see, narrowed by ``filters``, oldest first."""
    filters = filters or QueueFilter()
    qs = scope_queryset(Enrolment.objects.filter(status=Status.PROPOSED), user)
    if filters.programme:
        qs = qs.filter(programme_id=filters.programme)
    if filters.regency:
        qs = qs.filter(regency_code=filters.regency)
    return qs.order_by(*QUEUE_ORDER)


def next_waiting(*, user: User, after: Enrolment) -> Enrolment | None:
    """The proposal that comes after ``after`` in the queue (of the same programme first), else the first one
    waiting; never ``after`` itself."""
    queue = verification_queue(user=user).exclude(pk=after.pk)
    later = Q(proposed_at__gt=after.proposed_at) | Q(proposed_at=after.proposed_at, pk__gt=after.pk)
    for candidates in (
        queue.filter(later, programme_id=after.programme_id),
        queue.filter(later),
        queue,
    ):
        found = candidates.only("pk").first()
        if found is not None:
            return found
    return None


# --- the facts on a row --------------------------------------------------------------------------


@dataclass(frozen=True)
class LookAlike:
    worker_id: int
    name: str
    nik: str  # masked
    visible: bool  # within the user's scope: linked; otherwise only said to exist


@dataclass(frozen=True)
class QuotaStanding:
    programme: Programme
    regency_code: str
    regency_name: str
    quota: int | None  # None: no quota set, verification refuses
    used: int

    @property
    def left(self) -> int:
        return max(0, (self.quota or 0) - self.used)


@dataclass(frozen=True)
class QueueRow:
    enrolment: Enrolment
    nik: str  # masked
    age_at_start: int
    look_alikes: tuple[LookAlike, ...]
    overlap: tuple[str, str] | None  # (programme code, name) of the earliest overlapping coverage
    quota: QuotaStanding | None

    @property
    def hidden_look_alikes(self) -> int:
        return sum(1 for alike in self.look_alikes if not alike.visible)


@dataclass
class QueuePage:
    rows: list[QueueRow] = field(default_factory=list)
    quotas: list[QuotaStanding] = field(default_factory=list)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def queue_rows(*, user: User, enrolments: Sequence[Enrolment]) -> QueuePage:
    """The facts of a page of proposals (already scoped and loaded with their worker, occupation, village and
    programme): a fixed number of queries whatever the page's length, plus one per programme on it."""
    scope = scope_of(user)
    workers = [e.worker for e in enrolments]
    alikes = look_alikes(workers, scope=scope)
    overlaps: dict[int, tuple[str, str]] = {}
    by_programme: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        by_programme[enrolment.programme_id].append(enrolment)
    for chosen in by_programme.values():
        overlaps.update(proposals.overlapping_government_enrolments([e.worker_id for e in chosen], chosen[0].programme))
    standings = quota_standings({(e.programme, e.regency_code) for e in enrolments})
    page = QueuePage(quotas=sorted(standings.values(), key=lambda s: (s.programme.code, s.regency_name)))
    for enrolment in enrolments:
        page.rows.append(
            QueueRow(
                enrolment=enrolment,
                nik=nik_mask(enrolment.worker.nik),
                age_at_start=age_on(enrolment.worker.birth_date, enrolment.programme.coverage_start),
                look_alikes=tuple(alikes.get(enrolment.worker_id, ())),
                overlap=overlaps.get(enrolment.worker_id),
                quota=standings.get((enrolment.programme_id, enrolment.regency_code)),
            )
        )
    return page


def look_alikes(workers: Sequence[Worker], *, scope: RegionScope) -> dict[int, list[LookAlike]]:
    """{worker id: the registered workers like them} by the registry's look-alike rule
    (``registration.workers_likely_duplicates``), named for ``scope``: linked where the user may see them."""
    return {
        pk: [
            LookAlike(
                worker_id=other.pk, name=other.name, nik=nik_mask(other.nik), visible=scope.covers(other.village_id)
            )
            for other in others
        ]
        for pk, others in workers_likely_duplicates(workers).items()
    }


def quota_standings(keys: Iterable[tuple[Programme, str]]) -> dict[tuple[int, str], QuotaStanding]:
    """{(programme id, regency code): the quota and the places held} for each pair (two queries per programme)."""
    regencies_by_programme: dict[int, tuple[Programme, set[str]]] = {}
    for programme, regency in keys:
        regencies_by_programme.setdefault(programme.pk, (programme, set()))[1].add(regency)
    every = {code for _programme, regencies in regencies_by_programme.values() for code in regencies}
    names = dict(Region.objects.filter(code__in=every).values_list("code", "name")) if every else {}
    standings: dict[tuple[int, str], QuotaStanding] = {}
    for programme, regencies in regencies_by_programme.values():
        quotas = dict(
            RegencyQuota.objects.filter(programme=programme, regency_id__in=regencies).values_list(
                "regency_id", "quota"
            )
        )
        taken = proposals.quota_taken(programme, sorted(regencies))
        for regency in regencies:
            standings[(programme.pk, regency)] = QuotaStanding(
                programme=programme,
                regency_code=regency,
                regency_name=names.get(regency, regency),
                quota=quotas.get(regency),
                used=taken.get(regency, 0),
            )
    return standings
