"""Restriction of processing (UU 27/2022): while it holds, the worker's record stays but is not proposed, exported
or shown whole. ``Worker.restricted_since`` is the one flag every path asks, through ``lindung.workers.restriction``
(the rule, its set form and ``restriction_refusal``, in the registry's layer so that the paths below ``pdp`` reach
it; ``docs/decisions/0019``).

Set when a restriction request is carried out, lifted by the officer; each checks ``Action.PDP_MANAGE`` and the
region scope, runs in one transaction and writes its audit entry.
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
from lindung.pdp.models import PersonRequest
from lindung.workers.models import Worker
from lindung.workers.restriction import refuse_if_restricted, restriction_refusal

# The sentence and the one-worker check live with the registry, below every path that asks them; named here too,
# where the restriction is set and lifted.
__all__ = ["processing_restrict", "processing_restriction_lift", "refuse_if_restricted", "restriction_refusal"]


def processing_restrict(*, actor: User, worker: Worker, request: PersonRequest | None, reason: str) -> Worker:
    """Restrict the processing of ``worker``'s data, from now until lifted."""
    require(actor, Action.PDP_MANAGE)
    if not scope_of(actor).covers(worker.village_id):
        raise PermissionDenied("worker outside the actor's region")
    reason = reason.strip()
    if not reason:
        raise RefusedStep(gettext("Say why the processing is restricted."), field="reason")
    with transaction.atomic():
        worker = Worker.objects.select_for_update().get(pk=worker.pk)
        if worker.restricted_since is not None:
            raise RefusedStep(gettext("The processing of this person's data is restricted already."))
        worker.restricted_since = timezone.now()
        worker.save(update_fields=["restricted_since"])
        audit_record(
            actor=actor,
            action="pdp.restricted",
            obj=worker,
            region_code=worker.village_id,
            changes={"reason": [None, reason], "request": [None, request.pk if request else None]},
        )
    return worker


def processing_restriction_lift(*, actor: User, worker: Worker, reason: str) -> Worker:
    """Lift the restriction: the record may be proposed, exported and shown whole again."""
    require(actor, Action.PDP_MANAGE)
    if not scope_of(actor).covers(worker.village_id):
        raise PermissionDenied("worker outside the actor's region")
    reason = reason.strip()
    if not reason:
        raise RefusedStep(gettext("Say why the restriction ends."), field="reason")
    with transaction.atomic():
        worker = Worker.objects.select_for_update().get(pk=worker.pk)
        if worker.restricted_since is None:
            raise RefusedStep(gettext("The processing of this person's data is not restricted."))
        worker.restricted_since = None
        worker.save(update_fields=["restricted_since"])
        audit_record(
            actor=actor,
            action="pdp.restriction_lifted",
            obj=worker,
            region_code=worker.village_id,
            changes={"reason": [None, reason]},
        )
    return worker
