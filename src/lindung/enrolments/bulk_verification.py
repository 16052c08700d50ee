"""Verifying or rejecting many proposals in one step: the rows a verifier ticked, or all that match a filter.

The single step (``services.enrolment_verify`` / ``enrolment_reject``) decides on one enrolment; this one on a
set, with the same rules and sentences, written set-based so that 10,000 proposals take seconds
(``bench/bulk_verification.py``):

1. Check the actor's role (``PermissionDenied``), then, in one transaction, lock the chosen proposals through
   the actor's region scope (``SELECT ... FOR UPDATE``, by id, in chunks): a chosen id outside the scope or no
   longer proposed is left out and counted, never written.
2. Verification only: lock the regency quota rows of the set (by id, the order every verifier takes them in),
   so two verifiers of one regency take turns, then count the places held (``proposals.quota_taken``). Per
   programme and regency, the oldest proposals that fit the places left are verified; the rest is refused
   with one sentence per regency (a regency without a quota: the single step's sentence). The proposals of
   workers whose processing is restricted are refused first, with the restriction's sentence, and take no place.
3. Move the chosen rows with one UPDATE per chunk, and write one audit entry per enrolment (``bulk_create``):
   an enrolment's history on its page is read by its own id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import batched

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lindung.accounts.models import User
from lindung.accounts.permissions import require
from lindung.accounts.scope import scope_queryset
from lindung.audit.models import AuditEntry
from lindung.enrolments import proposals
from lindung.enrolments.models import Enrolment, Status
from lindung.enrolments.queue import QueueFilter, verification_queue
from lindung.enrolments.services import TRANSITIONS, EnrolmentError
from lindung.numbers import grouped
from lindung.programmes.models import Programme, RegencyQuota
from lindung.workers.restriction import restricted_q, restriction_refusal

BULK_NOTE = "bulk"  # in the audit entry: the step was taken for many enrolments at once
CHUNK = 2_000  # ids per statement: under SQLite's limit of bound parameters, and short statements on PostgreSQL


@dataclass
class BulkOutcome:
    """What one bulk step did: how many moved, how many it refused and why (one sentence per reason)."""

    done: int = 0
    refused: int = 0
    not_waiting: int = 0  # chosen but no longer a proposal in the actor's scope (decided meanwhile)
    sentences: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Selection:
    """The proposals a bulk step is about: the ``ids`` ticked, or every proposal matching ``queue``."""

    ids: tuple[int, ...] = ()
    queue: QueueFilter | None = None

    @classmethod
    def of_ids(cls, ids: Sequence[int]) -> Selection:
        return cls(ids=tuple(dict.fromkeys(ids)))

    @classmethod
    def matching(cls, queue: QueueFilter) -> Selection:
        return cls(queue=queue)


def enrolment_verify_bulk(*, actor: User, selection: Selection) -> BulkOutcome:
    """Verify the selected proposals that fit their regency's quota; refuse the rest with a sentence."""
    step = TRANSITIONS["verify"]
    require(actor, step.permission)
    with transaction.atomic():
        locked, outcome = _lock(actor, selection)
        locked = _without_restricted(locked, outcome)
        groups: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
        for pk, programme_id, regency, village in locked:
            groups[(programme_id, regency)].append((pk, village))
        quotas = {
            (q.programme_id, q.regency_id): q.quota
            for q in RegencyQuota.objects.select_for_update()
            .filter(programme_id__in={p for p, _r in groups}, regency_id__in={r for _p, r in groups})
            .order_by("pk")
        }
        programmes = Programme.objects.in_bulk({p for p, _r in groups})
        chosen: list[tuple[int, str]] = []
        for (programme_id, regency), rows in sorted(groups.items()):
            programme = programmes[programme_id]
            quota = quotas.get((programme_id, regency))
            if quota is None:
                outcome.refused += len(rows)
                outcome.sentences.append(_no_quota(len(rows), programme, regency))
                continue
            left = max(0, quota - proposals.quota_taken(programme, [regency]).get(regency, 0))
            chosen += rows[:left]
            if len(rows) > left:
                outcome.refused += len(rows) - left
                outcome.sentences.append(_over_quota(len(rows) - left, programme, regency, quota=quota, left=left))
        outcome.done = _move(actor, chosen, step.audit_action, target=Status.VERIFIED)
    return outcome


def enrolment_reject_bulk(*, actor: User, selection: Selection, reason: str) -> BulkOutcome:
    """Reject the selected proposals, all for one ``reason``."""
    step = TRANSITIONS["reject"]
    require(actor, step.permission)
    reason = reason.strip()
    if not reason:
        raise EnrolmentError(_("Say why the enrolments are rejected."), field="reason")
    with transaction.atomic():
        locked, outcome = _lock(actor, selection)
        chosen = [(pk, village) for pk, _programme, _regency, village in locked]
        outcome.done = _move(actor, chosen, step.audit_action, target=Status.REJECTED, reason=reason)
    return outcome


def _lock(actor: User, selection: Selection) -> tuple[list[tuple[int, int, str, str]], BulkOutcome]:
    """The selected proposals in the actor's scope, locked, oldest first: (id, programme, regency, village)."""
    outcome = BulkOutcome()
    if selection.queue is not None:
        ids = list(verification_queue(user=actor, filters=selection.queue).values_list("pk", flat=True))
    else:
        ids = sorted(selection.ids)
    if not ids:
        raise EnrolmentError(_("Choose at least one proposal."))
    rows: list[tuple[int, int, str, str, object]] = []
    for chunk in batched(sorted(ids), CHUNK):
        query = Enrolment.objects.select_for_update(of=("self",)).filter(pk__in=chunk, status=Status.PROPOSED)
        rows += (
            scope_queryset(query, actor)
            .order_by("pk")
            .values_list("pk", "programme_id", "regency_code", "village_id", "proposed_at")
        )
    outcome.not_waiting = len(ids) - len(rows)
    rows.sort(key=lambda row: (row[4], row[0]))  # the queue's order: the oldest proposals take the places first
    return [(pk, programme, regency, village) for pk, programme, regency, village, _at in rows], outcome


def _without_restricted(
    locked: list[tuple[int, int, str, str]], outcome: BulkOutcome
) -> list[tuple[int, int, str, str]]:
    """``locked`` less the proposals of workers whose processing is restricted, counted as refused with the
    restriction's sentence (one query per chunk)."""
    restricted: set[int] = set()
    for chunk in batched([row[0] for row in locked], CHUNK):
        restricted.update(Enrolment.objects.filter(restricted_q("worker__"), pk__in=chunk).values_list("pk", flat=True))
    if restricted:
        outcome.refused += len(restricted)
        outcome.sentences.append(restriction_refusal())
    return [row for row in locked if row[0] not in restricted]


def _move(actor: User, chosen: list[tuple[int, str]], action: str, *, target: str, reason: str = "") -> int:
    """Move ``chosen`` (id, village) from proposed to ``target`` and write one audit entry each."""
    now = timezone.now()
    changes: dict[str, list[str | None]] = {"status": [str(Status.PROPOSED), str(target)]}
    values: dict[str, object] = {"status": target, "updated_at": now}
    if reason:
        changes["rejection_reason"] = ["", reason]
        values["rejection_reason"] = reason
    moved = 0
    for chunk in batched(chosen, CHUNK):
        moved += Enrolment.objects.filter(pk__in=[pk for pk, _village in chunk]).update(**values)
        AuditEntry.objects.bulk_create(
            AuditEntry(
                actor=actor,
                actor_username=actor.get_username(),
                action=action,
                object_type=Enrolment._meta.label_lower,
                object_id=str(pk),
                region_code=village,
                changes=changes,
                note=BULK_NOTE,
            )
            for pk, village in chunk
        )
    return moved


def _no_quota(count: int, programme: Programme, regency: str) -> str:
    return ngettext(
        "%(count)s proposal of %(regency)s was not verified: programme %(code)s has no quota set for %(regency)s.",
        "%(count)s proposals of %(regency)s were not verified: programme %(code)s has no quota set for %(regency)s.",
        count,
    ) % {"count": grouped(count), "regency": proposals.regency_name(regency), "code": programme.code}


def _over_quota(count: int, programme: Programme, regency: str, *, quota: int, left: int) -> str:
    return ngettext(
        "%(count)s proposal of %(regency)s was not verified: the quota of %(quota)s workers in programme "
        "%(code)s had %(left)s places left, and the oldest proposals took them.",
        "%(count)s proposals of %(regency)s were not verified: the quota of %(quota)s workers in programme "
        "%(code)s had %(left)s places left, and the oldest proposals took them.",
        count,
    ) % {
        "count": grouped(count),
        "regency": proposals.regency_name(regency),
        "code": programme.code,
        "quota": grouped(quota),
        "left": grouped(left),
    }
