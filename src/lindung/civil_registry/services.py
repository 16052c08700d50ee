"""Receiving reported deaths and deciding them; every step audited, every refusal one sentence.

``death_notice_receive`` files each death of a message that matches a worker (by NIK, within the sender's
region) as a pending notice; the same message again (its sender's ``message_id``) changes nothing and gets the
first answer. ``death_notice_confirm``, by a person who may end enrolments and register claims, in scope, ends
the worker's active enrolments (reason: died) through the enrolments' own service and opens a JKM claim as a
draft (status *reported*, the heirs on file with the worker) through the claims' service. Nothing ends without
that confirmation. ``death_notice_dismiss`` closes a notice with its reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.accounts.models import ApiClient, User
from lindung.accounts.permissions import Action, require, user_can
from lindung.accounts.scope import get_in_scope_or_404, scope_queryset
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record
from lindung.civil_registry.models import DeathMessage, DeathNotice, DeathSource, NoticeStatus
from lindung.claims.models import DEATH_TYPES, Claim, ClaimType
from lindung.claims.services import claim_register
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.enrolments.services import enrolment_end
from lindung.errors import RefusedStep
from lindung.workers.models import Worker

# What a person needs to decide a notice: confirming ends enrolments and opens a claim.
REVIEW_ACTIONS = (Action.ENROLMENT_END, Action.CLAIM_REGISTER)
MAX_EVENTS = 1000
_NIK = re.compile(r"^[0-9]{16}$")


class DeathNoticeError(RefusedStep):
    """A refused step on a death notice, in one sentence; nothing was written."""


@dataclass(frozen=True)
class DeathEvent:
    """One reported death as read from a message: ``nik`` and ``died_on`` are None when the event lacks them."""

    reference_id: str
    nik: str | None
    died_on: dt.date | None
    record: dict[str, Any] = field(default_factory=dict)
    is_death: bool = True


@dataclass(frozen=True)
class Received:
    message: DeathMessage
    duplicate: bool  # the same message came before: nothing was written now


def can_review(user: User) -> bool:
    return all(user_can(user, action) for action in REVIEW_ACTIONS)


def _require_review(user: User) -> None:
    for action in REVIEW_ACTIONS:
        require(user, action)


def _sender_of(actor: User) -> ApiClient:
    client = ApiClient.objects.filter(user=actor, revoked_at__isnull=True).first()
    if client is None:
        raise DeathNoticeError(_("Only a registered civil registry system can notify deaths."))
    return client


def death_notice_receive(
    *,
    actor: User | None,
    message_id: str,
    events: Sequence[DeathEvent],
    source: str = DeathSource.DCI_NOTIFY,
    today: dt.date | None = None,
) -> Received:
    """File each death of a message matching a worker as a pending notice. ``actor`` is the sending system's
    account (a DCI notification), or None for the server's own Dukcapil adapter (``lindung`` command line)."""
    message_id = message_id.strip()
    if not message_id or len(message_id) > 100:
        raise DeathNoticeError(_("Give the message an id of at most 100 characters."), field="message_id")
    if len(events) > MAX_EVENTS:
        raise DeathNoticeError(
            _("A message holds at most %(count)d events.") % {"count": MAX_EVENTS}, field="notify_event"
        )
    sender: ApiClient | None = None
    if actor is not None:
        require(actor, Action.DEATH_NOTIFY)
        sender = _sender_of(actor)
    today = today or timezone.localdate()
    with transaction.atomic():
        earlier = DeathMessage.objects.filter(sender=sender, source=source, message_id=message_id).first()
        if earlier is not None:
            return Received(earlier, duplicate=True)
        try:
            with transaction.atomic():
                message = DeathMessage.objects.create(
                    source=source, sender=sender, message_id=message_id, events=len(events)
                )
        except IntegrityError:  # the same message, received meanwhile by another process
            return Received(
                DeathMessage.objects.get(sender=sender, source=source, message_id=message_id), duplicate=True
            )
        workers = Worker.objects.all() if actor is None else scope_queryset(Worker.objects.all(), actor)
        outcomes = _receive_events(actor, message, events, workers, today)
        message.outcomes = outcomes
        message.queued = sum(1 for row in outcomes if row["outcome"] == "queued")
        message.save(update_fields=["outcomes", "queued"])
        audit_record(
            actor=actor,
            action="death_message.received",
            obj=message,
            region_code=(sender.user.region_id or "") if sender is not None else "",
            changes={"events": [None, message.events], "queued": [None, message.queued]},
            note=f"{source}: {message_id}"[:200],
        )
    return Received(message, duplicate=False)


def _event_problem(event: DeathEvent, seen: set[str], today: dt.date) -> str | None:
    """Why one event is not a death Lindung can match (its outcome), or None."""
    reference = event.reference_id.strip()
    if not reference or len(reference) > 100 or reference in seen:
        return "invalid"
    seen.add(reference)
    if not event.is_death:
        return "not_a_death"
    if event.nik is None or not _NIK.match(event.nik) or event.died_on is None or event.died_on > today:
        return "invalid"
    return None


def _receive_events(
    actor: User | None, message: DeathMessage, events: Sequence[DeathEvent], workers: Any, today: dt.date
) -> list[dict[str, str]]:
    """Each event's outcome; a matched death becomes a pending notice. Set-based: the workers and their notices
    are read in one query each, and the notices and their audit entries written in one statement each."""
    seen: set[str] = set()
    problems = [_event_problem(event, seen, today) for event in events]
    niks = {event.nik for event, problem in zip(events, problems, strict=True) if problem is None}
    by_nik = {worker.nik: worker for worker in workers.filter(nik__in=niks)} if niks else {}
    known = set(
        DeathNotice.objects.filter(
            worker__in=list(by_nik.values()), status__in=[NoticeStatus.PENDING, NoticeStatus.CONFIRMED]
        ).values_list("worker_id", flat=True)
    )
    outcomes: list[dict[str, str]] = []
    notices: list[DeathNotice] = []
    for event, problem in zip(events, problems, strict=True):
        worker = by_nik.get(event.nik or "") if problem is None else None
        if problem is None and worker is None:
            problem = "not_found"
        elif worker is not None and worker.pk in known:
            problem = "already_known"
        outcomes.append({"reference_id": event.reference_id[:100], "outcome": problem or "queued"})
        if problem is not None or worker is None:
            continue
        known.add(worker.pk)
        assert event.died_on is not None  # checked by _event_problem
        notice = DeathNotice(
            message=message,
            reference_id=event.reference_id.strip(),
            nik=worker.nik,
            died_on=event.died_on,
            worker=worker,
            village_id=worker.village_id,
            event=event.record,
        )
        notice.stamp_region()
        notices.append(notice)
    DeathNotice.objects.bulk_create(notices)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor,
            actor_username=actor.get_username() if actor else "",
            action="death_notice.received",
            object_type=DeathNotice._meta.label_lower,
            object_id=str(notice.pk),
            region_code=notice.village_id,
            changes={"status": [None, notice.status], "died_on": [None, notice.died_on.isoformat()]},
            note=f"worker #{notice.worker_id}",
        )
        for notice in notices
    )
    return outcomes


def _locked(actor: User, notice: DeathNotice) -> DeathNotice:
    locked = get_in_scope_or_404(
        DeathNotice.objects.select_for_update(of=("self",)).select_related("worker", "message", "message__sender"),
        actor,
        pk=notice.pk,
    )
    if locked.status != NoticeStatus.PENDING:
        raise DeathNoticeError(
            _("This notice has already been decided: %(status)s.") % {"status": NoticeStatus(locked.status).label}
        )
    return locked


def death_notice_confirm(*, actor: User, notice: DeathNotice, today: dt.date | None = None) -> DeathNotice:
    """The death is confirmed: the worker's active enrolments end (died) and a JKM claim is opened as a draft."""
    _require_review(actor)
    today = today or timezone.localdate()
    with transaction.atomic():
        notice = _locked(actor, notice)
        died_on = notice.died_on
        active = scope_queryset(
            Enrolment.objects.filter(worker_id=notice.worker_id, status=Status.ACTIVE).select_related("programme"),
            actor,
        )
        ended: list[Enrolment] = []
        for enrolment in active:
            assert enrolment.coverage_start is not None  # an active enrolment has one (database constraint)
            end = min(max(died_on, enrolment.coverage_start), enrolment.programme.coverage_end)
            ended.append(enrolment_end(actor=actor, enrolment=enrolment, reason=EndReason.DIED, coverage_end=end))
        claim = Claim.objects.filter(worker_id=notice.worker_id, type__in=DEATH_TYPES).order_by("-pk").first()
        if claim is None:
            enrolment_for_claim = _claim_enrolment(actor, notice, ended)
            if enrolment_for_claim is not None:
                claim = claim_register(
                    actor=actor,
                    enrolment=enrolment_for_claim,
                    type=ClaimType.JKM,
                    incident_date=died_on,
                    incident_place=_place_of_death(notice),
                    description=_description(notice),
                    reporter_name=_reporter(notice),
                    today=today,
                )
        notice.status = NoticeStatus.CONFIRMED
        notice.decided_at = timezone.now()
        notice.decided_by = actor
        notice.claim = claim
        notice.save(update_fields=["status", "decided_at", "decided_by", "claim"])
        audit_record(
            actor=actor,
            action="death_notice.confirmed",
            obj=notice,
            region_code=notice.village_id,
            changes={
                "status": [NoticeStatus.PENDING.value, notice.status],
                "claim": [None, claim.pk if claim is not None else None],
                "enrolments_ended": [None, [enrolment.pk for enrolment in ended]],
            },
        )
    return notice


def _claim_enrolment(actor: User, notice: DeathNotice, ended: list[Enrolment]) -> Enrolment | None:
    """The enrolment the claim is made on: one that covered the day of death, else the latest that was active."""
    for enrolment in ended:
        return enrolment
    candidates = scope_queryset(
        Enrolment.objects.filter(worker_id=notice.worker_id, coverage_start__isnull=False).order_by(
            "-coverage_start", "-pk"
        ),
        actor,
    )
    covering = candidates.filter(coverage_start__lte=notice.died_on, coverage_end__gte=notice.died_on).first()
    return covering or candidates.first()


def _place_of_death(notice: DeathNotice) -> str:
    place = notice.event.get("place_of_death") if isinstance(notice.event, dict) else None
    if isinstance(place, str) and place.strip():
        return place.strip()[:200]
    return notice.village.name[:200]


def _description(notice: DeathNotice) -> str:
    # Kept with the claim as data: in the installation's language, like the claim's coverage sentence.
    with translation.override(settings.LANGUAGE_CODE):
        return _("Death reported by the civil registry (message %(message)s) and confirmed in the review queue.") % {
            "message": notice.message.message_id
        }


def _reporter(notice: DeathNotice) -> str:
    sender = notice.message.sender
    return (sender.name if sender is not None else "Dukcapil")[:150]


def death_notice_dismiss(*, actor: User, notice: DeathNotice, reason: str) -> DeathNotice:
    """The report is wrong (a living person, another person): nothing changes but the notice, closed with why."""
    _require_review(actor)
    reason = reason.strip()
    if not reason:
        raise DeathNoticeError(_("Give the reason for dismissing the notice."), field="reason")
    if len(reason) > 1000:
        raise DeathNoticeError(_("The reason is at most 1,000 characters."), field="reason")
    with transaction.atomic():
        notice = _locked(actor, notice)
        notice.status = NoticeStatus.DISMISSED
        notice.decided_at = timezone.now()
        notice.decided_by = actor
        notice.dismiss_reason = reason
        notice.save(update_fields=["status", "decided_at", "decided_by", "dismiss_reason"])
        audit_record(
            actor=actor,
            action="death_notice.dismissed",
            obj=notice,
            region_code=notice.village_id,
            changes={"status": [NoticeStatus.PENDING.value, notice.status]},
            note=reason[:200],
        )
    return notice
