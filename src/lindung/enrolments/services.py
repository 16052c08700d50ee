"""The enrolment workflow: every step is one audited transition, allowed only from the states in ``TRANSITIONS``.

Each function, in order:

1. checks the actor's role (``lindung.accounts.permissions.require``; a missing role is ``PermissionDenied``);
2. opens a transaction and finds the worker or enrolment through the actor's region scope, locking the
   row it decides on (outside the scope it is ``Http404``: absent, not forbidden);
3. checks the current status against ``TRANSITIONS`` and the step's own rules;
4. writes the new state and an audit entry with {field: [before, after]}.

Any refusal is an ``EnrolmentError``: one sentence, optionally tied to a form field, and nothing written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import batched
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, user_can
from lindung.accounts.scope import get_in_scope_or_404, scope_queryset
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_changes, audit_record
from lindung.enrolments import proposals
from lindung.enrolments.models import BpjsBatch, EndReason, Enrolment, Status
from lindung.errors import RefusedStep
from lindung.programmes.models import Programme, RegencyQuota
from lindung.workers.models import Worker
from lindung.workers.restriction import restricted_problem, restricted_q, restriction_refusal


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    permission: Action
    audit_action: str
    refusal: str  # translated when raised; "%(status)s" is the enrolment's current status


# The moves of an existing enrolment. Proposing creates one (``Status.PROPOSED``, ``enrolment.proposed``).
TRANSITIONS: dict[str, Transition] = {
    "verify": Transition(
        frozenset({Status.PROPOSED}),
        Status.VERIFIED,
        Action.ENROLMENT_VERIFY,
        "enrolment.verified",
        gettext_noop("Only a proposed enrolment can be verified; this one is %(status)s."),
    ),
    "reject": Transition(
        frozenset({Status.PROPOSED}),
        Status.REJECTED,
        Action.ENROLMENT_VERIFY,
        "enrolment.rejected",
        gettext_noop("Only a proposed enrolment can be rejected; this one is %(status)s."),
    ),
    "send": Transition(
        frozenset({Status.VERIFIED}),
        Status.SENT,
        Action.ENROLMENT_SEND,
        "enrolment.sent",
        gettext_noop("Only a verified enrolment can be sent to BPJS; this one is %(status)s."),
    ),
    "activate": Transition(
        frozenset({Status.SENT}),
        Status.ACTIVE,
        Action.ENROLMENT_ACTIVATE,
        "enrolment.activated",
        gettext_noop("Only an enrolment sent to BPJS can be activated; this one is %(status)s."),
    ),
    # A rejected worker (by the province or by BPJS, often for data that did not match Dukcapil) proposed
    # again once the data is fixed: the same enrolment row (one per worker and programme), its rejection
    # kept in the audit log.
    "repropose": Transition(
        frozenset({Status.REJECTED}),
        Status.PROPOSED,
        Action.ENROLMENT_PROPOSE,
        "enrolment.reproposed",
        gettext_noop("Only a rejected enrolment can be proposed again; this one is %(status)s."),
    ),
    "end": Transition(
        frozenset({Status.ACTIVE}),
        Status.ENDED,
        Action.ENROLMENT_END,
        "enrolment.ended",
        gettext_noop("Only an active enrolment can be ended; this one is %(status)s."),
    ),
}

# BPJS refusing a sent enrolment. Kept out of ``TRANSITIONS`` (which lists the steps of the detail page):
# it is only taken from BPJS's answer file, through ``enrolment_settle_bulk``.
BPJS_REJECTION = Transition(
    frozenset({Status.SENT}),
    Status.REJECTED,
    Action.ENROLMENT_ACTIVATE,
    "enrolment.rejected_by_bpjs",
    gettext_noop("Only an enrolment sent to BPJS can be rejected by BPJS; this one is %(status)s."),
)

KPJ_PATTERN = re.compile(r"[0-9]{11}")
# A KPJ number that another worker's enrolment holds. The refusal cannot hide that the number is taken (it
# must not be recorded twice), but it says nothing of the holder, and it reads the same whether the holder is
# in the user's region or out of it: telling "another worker" only when the holder is out of sight would
# confirm a record the user may not see. A right number held wrongly is for the province to sort out.
KPJ_REFUSED = gettext_noop(
    "This KPJ number cannot be recorded for this worker: check it against BPJS's answer and, if it is right, "
    "tell the provincial administrator."
)


class EnrolmentError(RefusedStep):
    """A refused enrolment step, in one sentence; ``field`` names the form field it belongs next to, if any."""


def enrolment_next_steps(*, user: User, enrolment: Enrolment) -> list[str]:
    """The names of the transitions ``user`` may take on ``enrolment`` now (the caller scoped the enrolment)."""
    return [
        name
        for name, step in TRANSITIONS.items()
        if enrolment.status in step.sources and user_can(user, step.permission)
    ]


def enrolment_propose(*, actor: User, worker: Worker, programme: Programme) -> Enrolment:
    """Propose ``worker`` for ``programme`` under the programme's rules (``proposals``), the import's too."""
    require(actor, Action.ENROLMENT_PROPOSE)
    with transaction.atomic():
        # Locking the worker makes two proposals for the same worker wait for each other, so the
        # second one's overlap check sees the first.
        worker = get_in_scope_or_404(Worker.objects.select_for_update(), actor, pk=worker.pk)
        programme = Programme.objects.get(pk=programme.pk)
        _refuse_if(restricted_problem(worker), field=None)
        _refuse_if(proposals.programme_closed(programme))
        _refuse_if(proposals.outside_programme(worker.village_id, programme))
        # The worker's enrolments (a few), read by the worker alone: the (worker, programme) unique index serves it
        # whatever the statistics say. With the programme in the condition too, a planner whose statistics still
        # see a new programme empty walks the (programme, status) index through every proposal made since.
        standing = dict(Enrolment.objects.filter(worker=worker).values_list("programme_id", "status"))
        if (status := standing.get(programme.pk)) is not None:
            raise EnrolmentError(proposals.in_programme(status, programme), field="programme")
        _refuse_if(proposals.overlap_problem(worker.pk, programme))
        _refuse_if(proposals.quota_problem(programme, worker.regency_code))
        enrolment = Enrolment(worker=worker, programme=programme, status=Status.PROPOSED, village_id=worker.village_id)
        enrolment.stamp_region()
        try:
            # A savepoint, so that losing the race to the unique constraint leaves the transaction usable.
            with transaction.atomic():
                enrolment.save()
        except IntegrityError:
            raise EnrolmentError(proposals.in_programme(Status.PROPOSED, programme), field="programme") from None
        _audit(
            actor,
            "enrolment.proposed",
            enrolment,
            {"status": [None, str(Status.PROPOSED)], "programme": [None, programme.code], "worker": [None, worker.pk]},
        )
    return enrolment


def _refuse_if(problem: str | None, *, field: str | None = "programme") -> None:
    if problem is not None:
        raise EnrolmentError(problem, field=field)


def enrolment_repropose(*, actor: User, enrolment: Enrolment) -> Enrolment:
    """Propose a rejected enrolment again, under the rules of a first proposal (open programme, overlap, quota)."""
    step = TRANSITIONS["repropose"]
    require(actor, step.permission)
    with transaction.atomic():
        enrolment = _locked(actor, enrolment, step)
        programme = enrolment.programme
        _refuse_if(restricted_problem(enrolment.worker), field=None)
        _refuse_if(proposals.programme_closed(programme), field=None)
        _refuse_if(proposals.overlap_problem(enrolment.worker_id, programme), field=None)
        _refuse_if(proposals.quota_problem(programme, enrolment.regency_code), field=None)
        return _apply(actor, enrolment, step, {"rejection_reason": "", "batch": None})


def enrolment_verify(*, actor: User, enrolment: Enrolment) -> Enrolment:
    step = TRANSITIONS["verify"]
    require(actor, step.permission)
    with transaction.atomic():
        enrolment = _locked(actor, enrolment, step)
        # A proposal made before the person restricted processing waits, unverified, until the restriction is lifted.
        _refuse_if(restricted_problem(enrolment.worker), field=None)
        # Locking the quota row makes two verifiers of the same regency take turns, so the count
        # below cannot be read by both before either writes.
        quota = (
            RegencyQuota.objects.select_for_update()
            .filter(programme_id=enrolment.programme_id, regency_id=enrolment.regency_code)
            .first()
        )
        regency = proposals.regency_name(enrolment.regency_code)
        if quota is None:
            raise EnrolmentError(
                _("Programme %(code)s has no quota set for %(regency)s.")
                % {"regency": regency, "code": enrolment.programme.code}
            )
        regency_code = enrolment.regency_code
        taken = proposals.quota_taken(enrolment.programme, [regency_code]).get(regency_code, 0)
        if taken >= quota.quota:
            raise EnrolmentError(
                proposals.quota_full(quota=quota.quota, regency_name=regency, programme=enrolment.programme)
            )
        return _apply(actor, enrolment, step, {})


def enrolment_reject(*, actor: User, enrolment: Enrolment, reason: str) -> Enrolment:
    step = TRANSITIONS["reject"]
    require(actor, step.permission)
    reason = reason.strip()
    with transaction.atomic():
        enrolment = _locked(actor, enrolment, step)
        if not reason:
            raise EnrolmentError(_("Say why the enrolment is rejected."), field="reason")
        return _apply(actor, enrolment, step, {"rejection_reason": reason})


def enrolment_send(
    *, actor: User, programme: Programme | None = None, enrolments: Sequence[Enrolment] | None = None
) -> BpjsBatch:
    """Put verified enrolments in the next numbered batch for BPJS: all of a programme's in the actor's scope,
    or only ``enrolments`` (which must all be verified, in scope and of one programme).

    1. Lock the programme, so batch numbers are sequential and no enrolment goes in two batches.
    2. Move the enrolments with one UPDATE, then read them back by batch for the audit entries.
    3. Write one audit entry per enrolment with ``bulk_create``: the detail page reads an enrolment's
       history by its own id, so each enrolment's entry must exist on its own.

    Pages and commands call it through ``lindung.enrolments.bpjs.bpjs_batch_create``, which keeps the batch's
    file in the same transaction: no enrolment is sent without the file BPJS receives.
    """
    step = TRANSITIONS["send"]
    require(actor, step.permission)
    if programme is None:
        programme_ids = {e.programme_id for e in enrolments or []}
        if len(programme_ids) != 1:
            raise EnrolmentError(_("Choose the verified enrolments of one programme to send."))
        programme = Programme(pk=programme_ids.pop())
    with transaction.atomic():
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        chosen = scope_queryset(Enrolment.objects.filter(programme=programme, status=Status.VERIFIED), actor)
        if enrolments is not None:
            wanted = {e.pk for e in enrolments}
            chosen = chosen.filter(pk__in=wanted)
            if chosen.count() != len(wanted):
                raise EnrolmentError(
                    _("Only verified enrolments of programme %(code)s can be sent.") % {"code": programme.code}
                )
            if chosen.filter(restricted_q("worker__")).exists():
                raise EnrolmentError(restriction_refusal())
        # A worker who restricted processing after verification is not sent: BPJS's file would export them. Their
        # enrolment waits, verified, for the next batch after the restriction is lifted.
        chosen = chosen.exclude(restricted_q("worker__"))
        last = BpjsBatch.objects.filter(programme=programme).aggregate(last=Max("number"))["last"] or 0
        batch = BpjsBatch.objects.create(
            programme=programme, number=last + 1, created_by=actor, region_code=actor.region_id or ""
        )
        batch.count = chosen.update(status=Status.SENT, batch=batch, updated_at=timezone.now())
        if batch.count == 0:
            raise EnrolmentError(_("Programme %(code)s has no verified enrolment to send.") % {"code": programme.code})
        batch.save(update_fields=["count"])
        changes = {"status": [str(Status.VERIFIED), str(Status.SENT)], "batch": [None, batch.number]}
        rows = Enrolment.objects.filter(batch=batch).values_list("pk", "village_id").order_by("pk")
        for chunk in batched(rows.iterator(chunk_size=2000), 2000):
            AuditEntry.objects.bulk_create(
                AuditEntry(
                    actor=actor,
                    actor_username=actor.get_username(),
                    action=step.audit_action,
                    object_type=Enrolment._meta.label_lower,
                    object_id=str(pk),
                    region_code=village,
                    changes=changes,
                    note=f"{programme.code} #{batch.number}",
                )
                for pk, village in chunk
            )
    return batch


def enrolment_activate(
    *, actor: User, enrolment: Enrolment, kpj: str, coverage_start: dt.date, today: dt.date | None = None
) -> Enrolment:
    """Record BPJS's activation: the KPJ, the coverage start and the day (``today``, default the local date) it
    was recorded, from which the never-billed months before it fall due (``contributions.months_owed``)."""
    step = TRANSITIONS["activate"]
    require(actor, step.permission)
    kpj = kpj.strip()
    with transaction.atomic():
        enrolment = _locked(actor, enrolment, step)
        if not KPJ_PATTERN.fullmatch(kpj):
            raise EnrolmentError(_("A KPJ membership number is exactly 11 digits."), field="kpj")
        programme = enrolment.programme
        if not programme.coverage_start <= coverage_start <= programme.coverage_end:
            raise EnrolmentError(
                _("Coverage must start within the programme's period, %(start)s to %(end)s.")
                % {"start": date_format(programme.coverage_start), "end": date_format(programme.coverage_end)},
                field="coverage_start",
            )
        if Enrolment.objects.filter(kpj=kpj).exclude(worker_id=enrolment.worker_id).exists():
            raise EnrolmentError(_(KPJ_REFUSED), field="kpj")
        # The day of activation is the audit entry's own time: not repeated in its changes.
        enrolment.activated_on = today or timezone.localdate()
        return _apply(actor, enrolment, step, {"kpj": kpj, "coverage_start": coverage_start}, also=["activated_on"])


@dataclass(frozen=True)
class BpjsActivation:
    enrolment_id: int
    kpj: str
    coverage_start: dt.date


@dataclass(frozen=True)
class BpjsRejection:
    enrolment_id: int
    reason: str


def enrolment_settle_bulk(
    *,
    actor: User,
    activations: Sequence[BpjsActivation],
    rejections: Sequence[BpjsRejection],
    today: dt.date | None = None,
) -> tuple[int, int]:
    """BPJS's answer for many sent enrolments at once: activate (KPJ, coverage start) or reject (reason).

    1. Lock the enrolments through the actor's scope; every one must exist there and be sent to BPJS.
    2. Check every value as ``enrolment_activate`` does (KPJ format, within the programme period, a KPJ
       held by no other worker, also not twice in this answer) and that a rejection has a reason.
    3. Write with ``bulk_update`` (a few UPDATE statements, not one per enrolment) and one audit entry per
       enrolment with ``bulk_create``. The first refusal raises ``EnrolmentError`` and nothing is written.
       An activated enrolment's ``activated_on`` is ``today`` (default the local date), as in ``enrolment_activate``.

    Returns (activated, rejected).
    """
    require(actor, TRANSITIONS["activate"].permission)
    require(actor, BPJS_REJECTION.permission)
    wanted = [a.enrolment_id for a in activations] + [r.enrolment_id for r in rejections]
    if len(set(wanted)) != len(wanted):
        raise EnrolmentError(_("An enrolment appears twice in BPJS's answer."))
    if not wanted:
        return 0, 0
    with transaction.atomic():
        locked: dict[int, Enrolment] = {}
        for chunk in batched(wanted, 2000):
            query = Enrolment.objects.select_for_update(of=("self",)).select_related("programme")
            locked.update((e.pk, e) for e in scope_queryset(query.filter(pk__in=chunk), actor))
        if len(locked) != len(wanted):
            raise Http404
        for enrolment in locked.values():
            if enrolment.status != Status.SENT:
                raise EnrolmentError(_(BPJS_REJECTION.refusal) % {"status": Status(enrolment.status).label})
        _check_activations(activations, locked)
        if any(not r.reason.strip() for r in rejections):
            raise EnrolmentError(_("Say why BPJS rejected the enrolment."), field="reason")
        now = timezone.now()
        activated_on = today or timezone.localdate()
        entries: list[AuditEntry] = []
        for activation in activations:
            enrolment = locked[activation.enrolment_id]
            changes = audit_changes(
                _plain({"status": enrolment.status, "kpj": enrolment.kpj, "coverage_start": enrolment.coverage_start}),
                _plain({"status": Status.ACTIVE, "kpj": activation.kpj, "coverage_start": activation.coverage_start}),
            )
            enrolment.status, enrolment.kpj = Status.ACTIVE, activation.kpj
            enrolment.coverage_start, enrolment.updated_at = activation.coverage_start, now
            enrolment.activated_on = activated_on
            entries.append(_audit_entry(actor, TRANSITIONS["activate"].audit_action, enrolment, changes))
        for rejection in rejections:
            enrolment = locked[rejection.enrolment_id]
            changes = audit_changes(
                _plain({"status": enrolment.status, "rejection_reason": enrolment.rejection_reason}),
                _plain({"status": Status.REJECTED, "rejection_reason": rejection.reason.strip()}),
            )
            enrolment.status, enrolment.rejection_reason = Status.REJECTED, rejection.reason.strip()
            enrolment.updated_at = now
            entries.append(_audit_entry(actor, BPJS_REJECTION.audit_action, enrolment, changes))
        fields = ["status", "kpj", "coverage_start", "activated_on", "rejection_reason", "updated_at"]
        Enrolment.objects.bulk_update(locked.values(), fields, batch_size=1000)
        AuditEntry.objects.bulk_create(entries, batch_size=2000)
    return len(activations), len(rejections)


def _check_activations(activations: Sequence[BpjsActivation], locked: dict[int, Enrolment]) -> None:
    seen: dict[str, int] = {}
    for activation in activations:
        enrolment = locked[activation.enrolment_id]
        if not KPJ_PATTERN.fullmatch(activation.kpj):
            raise EnrolmentError(_("A KPJ membership number is exactly 11 digits."), field="kpj")
        programme = enrolment.programme
        if not programme.coverage_start <= activation.coverage_start <= programme.coverage_end:
            raise EnrolmentError(
                _("Coverage must start within the programme's period, %(start)s to %(end)s.")
                % {"start": date_format(programme.coverage_start), "end": date_format(programme.coverage_end)},
                field="coverage_start",
            )
        if seen.setdefault(activation.kpj, enrolment.worker_id) != enrolment.worker_id:
            raise EnrolmentError(_(KPJ_REFUSED), field="kpj")
    for chunk in batched(seen, 2000):
        for kpj, worker_id in Enrolment.objects.filter(kpj__in=chunk).values_list("kpj", "worker_id"):
            if worker_id != seen[kpj]:
                raise EnrolmentError(_(KPJ_REFUSED), field="kpj")


def _audit_entry(actor: User, action: str, enrolment: Enrolment, changes: dict[str, list[Any]]) -> AuditEntry:
    return AuditEntry(
        actor=actor,
        actor_username=actor.get_username(),
        action=action,
        object_type=Enrolment._meta.label_lower,
        object_id=str(enrolment.pk),
        region_code=enrolment.village_id,
        changes=changes,
    )


def enrolment_end(*, actor: User, enrolment: Enrolment, reason: str, coverage_end: dt.date) -> Enrolment:
    step = TRANSITIONS["end"]
    require(actor, step.permission)
    with transaction.atomic():
        enrolment = _locked(actor, enrolment, step)
        if reason not in EndReason.values:
            raise EnrolmentError(_("Choose why the enrolment ends."), field="reason")
        assert enrolment.coverage_start is not None  # an active enrolment has one (database constraint)
        if coverage_end < enrolment.coverage_start:
            raise EnrolmentError(
                _("Coverage cannot end before it started (%(start)s).")
                % {"start": date_format(enrolment.coverage_start)},
                field="coverage_end",
            )
        if coverage_end > enrolment.programme.coverage_end:
            raise EnrolmentError(
                _("Coverage cannot end after the programme does (%(end)s).")
                % {"end": date_format(enrolment.programme.coverage_end)},
                field="coverage_end",
            )
        return _apply(actor, enrolment, step, {"end_reason": reason, "coverage_end": coverage_end})


def _locked(actor: User, enrolment: Enrolment, step: Transition) -> Enrolment:
    """The enrolment re-read under a row lock through the actor's scope, refused unless ``step`` may start."""
    locked = get_in_scope_or_404(
        Enrolment.objects.select_for_update(of=("self",)).select_related("programme"), actor, pk=enrolment.pk
    )
    if locked.status not in step.sources:
        raise EnrolmentError(_(step.refusal) % {"status": Status(locked.status).label})
    return locked


def _apply(
    actor: User, enrolment: Enrolment, step: Transition, fields: dict[str, Any], *, also: Sequence[str] = ()
) -> Enrolment:
    """Move ``enrolment`` by ``step`` with ``fields`` (audited) and the fields named in ``also``, already set on it
    (saved, not audited)."""
    before = {"status": enrolment.status, **{name: getattr(enrolment, name) for name in fields}}
    enrolment.status = step.target
    for name, value in fields.items():
        setattr(enrolment, name, value)
    enrolment.save(update_fields=["status", *fields, *also, "updated_at"])
    after = {"status": step.target, **fields}
    _audit(actor, step.audit_action, enrolment, audit_changes(_plain(before), _plain(after)))
    return enrolment


def _audit(actor: User, action: str, enrolment: Enrolment, changes: dict[str, list[Any]]) -> None:
    audit_record(actor=actor, action=action, obj=enrolment, region_code=enrolment.village_id, changes=changes)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Dates as ISO text, statuses as their codes: what the audit log's JSON column holds."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v if v is None else str(v) for k, v in values.items()}
