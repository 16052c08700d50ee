"""The data protection officer's writes: legal holds (a record under dispute is never anonymised while held).

Each checks ``Action.PDP_MANAGE`` and the region scope, runs in one transaction and writes its audit entry.
The retention run itself is ``retention.pdp_retention_run``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.audit.services import audit_record
from lindung.errors import RefusedStep
from lindung.pdp.models import LegalHold
from lindung.workers.models import Worker


def legal_hold_set(*, actor: User, worker: Worker, reason: str) -> LegalHold:
    """Hold ``worker``'s records (the worker, heirs, enrolments and claims) out of the retention run."""
    require(actor, Action.PDP_MANAGE)
    if not scope_of(actor).covers(worker.village_id):
        raise PermissionDenied("worker outside the actor's region")
    reason = reason.strip()
    if not reason:
        raise RefusedStep(gettext("Say why the records are held: the dispute or the request."), field="reason")
    with transaction.atomic():
        worker = Worker.objects.select_for_update().get(pk=worker.pk)
        if worker.anonymised_on is not None:
            raise RefusedStep(gettext("This worker was anonymised already: there is nothing left to hold."))
        if LegalHold.objects.filter(worker=worker, lifted_at__isnull=True).exists():
            raise RefusedStep(gettext("This worker's records are held already."))
        hold = LegalHold.objects.create(worker=worker, reason=reason, set_at=timezone.now(), set_by=actor)
        audit_record(
            actor=actor,
            action="pdp.legal_hold_set",
            obj=worker,
            region_code=worker.village_id,
            changes={"reason": [None, reason]},
        )
    return hold


def legal_hold_lift(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    """End a hold: the next retention run may anonymise the worker if their records have expired."""
    require(actor, Action.PDP_MANAGE)
    if not scope_of(actor).covers(hold.worker.village_id):
        raise PermissionDenied("worker outside the actor's region")
    reason = reason.strip()
    if not reason:
        raise RefusedStep(gettext("Say why the hold ends."), field="reason")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().select_related("worker").get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise RefusedStep(gettext("This hold was lifted already."))
        hold.lifted_at, hold.lifted_by, hold.lift_reason = timezone.now(), actor, reason
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit_record(
            actor=actor,
            action="pdp.legal_hold_lifted",
            obj=hold.worker,
            region_code=hold.worker.village_id,
            changes={"reason": [None, reason]},
        )
    return hold
