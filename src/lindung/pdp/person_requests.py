"""The requests of the person (UU 27/2022): registered on their behalf, each answered within 3×24 hours.

An operator who may edit workers (``Action.WORKER_EDIT``) or the data protection officer (``Action.PDP_MANAGE``)
registers a request for a worker of their region, after checking the person's identity against the record: the
NIK, the date of birth and the phone on file. A mismatch is refused and recorded (``pdp.identity_mismatch``); a
match opens the request with its clock (``clock.due_at``).

Each kind is then carried out, or refused with its legal reason, by its own service; each checks the role and
the region, runs in one transaction, closes the request (status, outcome, who and when) and writes its audit
entry on the request:

- access: the document (``access``) produced as JSON or PDF (``access_document_produce``, audited each time),
  then given (``access_request_give``);
- correction: the worker's data changed through the registry's own service (``workers.services.worker_edit``,
  whose audit entry names the request), by someone who may edit workers;
- restriction: ``restriction.processing_restrict`` with the request;
- deletion: refused with the legal reasons when another law keeps the records (``retention.kept_by_law``),
  otherwise the worker anonymised now by the retention run's statements (``retention.workers_anonymise``);
- objection: the officer decides: processing continues for the public task (with the reason), or is restricted.

Sentences written into a request by the system (a deletion's legal reasons, what was done) are in the
installation's language, as the records' (decision 0014); what a person types stays as typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record
from lindung.errors import RefusedStep
from lindung.pdp import clock
from lindung.pdp.access import access_document, access_document_pdf
from lindung.pdp.models import PersonRequest, RequestKind, RequestResolution, RequestStatus
from lindung.pdp.request_selectors import require_handle_requests, worker_by_nik
from lindung.pdp.restriction import processing_restrict
from lindung.pdp.retention import KeptByLaw, kept_by_law, workers_anonymise
from lindung.rules.keys import Rule
from lindung.rules.selectors import rules_in_force
from lindung.workers.models import Worker
from lindung.workers.phone import phone_normalise
from lindung.workers.services import worker_edit

FORMATS = ("json", "pdf")
CONTENT_TYPES = {"json": "application/json", "pdf": "application/pdf"}


def _require_in_scope(user: User, worker: Worker) -> None:
    if not scope_of(user).covers(worker.village_id):
        raise PermissionDenied("worker outside the actor's region")


def not_found_sentence() -> str:
    """The same for a NIK held nowhere and one held outside the actor's region: existence is not confirmed."""
    return gettext("No worker with this NIK is registered in your region.")


# --- registering ----------------------------------------------------------------------------------------------


def person_request_register(
    *,
    actor: User,
    nik: str,
    birth_date: dt.date,
    phone: str,
    kind: str,
    details: str = "",
    received_at: dt.datetime | None = None,
) -> PersonRequest:
    """Register the person's request after checking who they are.

    1. The actor may register requests; ``kind`` is one of ``RequestKind``.
    2. The worker holding ``nik`` is in the actor's region (else the same refusal as for a NIK held nowhere).
    3. The date of birth and the phone match the record (the phone in any common writing; a record without a
       phone takes none). A mismatch is refused, saying which, and recorded as ``pdp.identity_mismatch``.
    4. The request is opened, received now (or at ``received_at``), due ``clock.due_at`` later, and audited with
       its identity check.
    """
    require_handle_requests(actor)
    if kind not in RequestKind.values:
        raise RefusedStep(gettext("Choose what the person asks."), field="kind")
    received_at = received_at or timezone.now()
    if received_at > timezone.now():
        raise RefusedStep(gettext("A request cannot be received in the future."))
    details = details.strip()
    worker = worker_by_nik(actor, nik)
    if worker is None:
        raise RefusedStep(not_found_sentence(), field="nik")
    try:
        phone_given = phone_normalise(phone)
    except ValidationError as exc:
        raise RefusedStep(exc.messages[0], field="phone") from None
    check = {
        "nik": "match",
        "birth_date": "match" if birth_date == worker.birth_date else "mismatch",
        "phone": _phone_check(phone_given, worker.phone),
    }
    mismatched = [item for item, result in check.items() if result == "mismatch"]
    if mismatched:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="pdp.identity_mismatch",
                obj=worker,
                region_code=worker.village_id,
                changes={"kind": [None, kind], "mismatched": [None, mismatched]},
            )
        raise RefusedStep(_mismatch_sentence(mismatched))
    with transaction.atomic():
        request = PersonRequest(
            worker=worker,
            kind=kind,
            details=details,
            received_at=received_at,
            due_at=clock.due_at(received_at),
            registered_by=actor,
            identity_check=check,
            village_id=worker.village_id,
        )
        request.stamp_region()
        request.save()
        audit_record(
            actor=actor,
            action="pdp.request_registered",
            obj=request,
            region_code=worker.village_id,
            changes={"kind": [None, kind], "due_at": [None, request.due_at.isoformat()], "identity": [None, check]},
        )
    return request


def _phone_check(given: str, on_file: str) -> str:
    if not on_file:
        # Nothing to compare with: the NIK and the date of birth carry the check (the page says to see the KTP).
        return "none_on_file" if not given else "mismatch"
    return "match" if given == on_file else "mismatch"


def _mismatch_sentence(mismatched: Sequence[str]) -> str:
    if mismatched == ["birth_date"]:
        return gettext(
            "The date of birth does not match the record of this NIK: the request is not registered. Check the "
            "person's KTP."
        )
    if mismatched == ["phone"]:
        return gettext(
            "The phone number does not match the one on file for this NIK: the request is not registered. Check "
            "the person's KTP, then correct the phone through a correction request if it changed."
        )
    return gettext(
        "Neither the date of birth nor the phone number matches the record of this NIK: the request is not "
        "registered. Check the person's KTP."
    )


# --- closing ---------------------------------------------------------------------------------------------------


def _open_request(request: PersonRequest, kind: str | None = None) -> PersonRequest:
    """``request`` locked for closing; refused when closed already or not of ``kind``."""
    locked = PersonRequest.objects.select_for_update().select_related("worker").get(pk=request.pk)
    if locked.status != RequestStatus.OPEN:
        raise RefusedStep(gettext("This request is answered already."))
    if kind is not None and locked.kind != kind:
        raise RefusedStep(gettext("This step does not answer a request of this kind."))
    return locked


def _close(
    request: PersonRequest,
    *,
    actor: User,
    status: str,
    outcome: str,
    resolution: str = "",
    changes: dict[str, Any] | None = None,
    written_by_system: bool = True,
) -> PersonRequest:
    request.status, request.outcome, request.resolution = status, outcome, resolution
    request.outcome_language = settings.LANGUAGE_CODE if written_by_system else ""
    request.closed_at, request.closed_by = timezone.now(), actor
    request.save(update_fields=["status", "outcome", "outcome_language", "resolution", "closed_at", "closed_by"])
    audit_record(
        actor=actor,
        action="pdp.request_refused" if status == RequestStatus.REFUSED else "pdp.request_done",
        obj=request,
        region_code=request.worker.village_id,
        changes={
            "kind": [None, request.kind],
            "status": [RequestStatus.OPEN.value, status],
            **({"resolution": [None, resolution]} if resolution else {}),
            "late": [None, request.closed_at > request.due_at],
            **(changes or {}),
        },
    )
    return request


def _records_language() -> translation.override:
    """What the system writes into a request is in the installation's language (decision 0014)."""
    return translation.override(settings.LANGUAGE_CODE)


def person_request_refuse(*, actor: User, request: PersonRequest, reason: str) -> PersonRequest:
    """Refuse ``request`` with its legal reason (told to the person): the officer's decision, for any kind."""
    require(actor, Action.PDP_MANAGE)
    _require_in_scope(actor, request.worker)
    reason = reason.strip()
    if not reason:
        raise RefusedStep(gettext("Give the legal reason for the refusal: the person is told."), field="reason")
    with transaction.atomic():
        locked = _open_request(request)
        return _close(locked, actor=actor, status=RequestStatus.REFUSED, outcome=reason, written_by_system=False)


# --- access ----------------------------------------------------------------------------------------------------


def access_document_produce(
    *, actor: User, worker: Worker, fmt: str, language: str = "id", request: PersonRequest | None = None
) -> bytes:
    """The access document of ``worker`` as ``fmt`` (``json`` or ``pdf``, in ``language``), audited as
    ``pdp.access_produced`` (on the worker, with the request when there is one): it holds the whole NIK."""
    require(actor, Action.PDP_MANAGE)
    _require_in_scope(actor, worker)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    with translation.override(language):
        document = access_document(user=actor, worker=worker)
        content = document.as_json().encode() if fmt == "json" else access_document_pdf(document, language=language)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="pdp.access_produced",
            obj=worker,
            region_code=worker.village_id,
            changes={
                "format": [None, fmt],
                "request": [None, request.pk if request else None],
                "trail_entries": [None, len(document.trail)],
            },
        )
    return content


def access_request_give(*, actor: User, request: PersonRequest) -> PersonRequest:
    """Record that the access document was given to the person; it must have been produced for this request."""
    require(actor, Action.PDP_MANAGE)
    _require_in_scope(actor, request.worker)
    with transaction.atomic():
        locked = _open_request(request, RequestKind.ACCESS)
        produced = AuditEntry.objects.filter(
            action="pdp.access_produced",
            object_type="workers.worker",
            object_id=str(locked.worker_id),
            changes__request__1=locked.pk,
        ).exists()
        if not produced:
            raise RefusedStep(gettext("Download the access document for this request first, then give it."))
        with _records_language():
            outcome = gettext("The access document (the data held and the processing trail) was given to the person.")
        return _close(
            locked, actor=actor, status=RequestStatus.DONE, outcome=outcome, resolution=RequestResolution.ACCESS_GIVEN
        )


# --- correction ------------------------------------------------------------------------------------------------


def correction_request_carry_out(
    *,
    actor: User,
    request: PersonRequest,
    data: Mapping[str, Any],
    heirs: Sequence[Mapping[str, Any]],
    today: dt.date | None = None,
) -> PersonRequest:
    """Correct the worker's data as the person asked, through the registry's own edit (its checks, its audit
    entry, which names the request), and close the request with the fields changed."""
    require(actor, Action.WORKER_EDIT)
    _require_in_scope(actor, request.worker)
    with transaction.atomic():
        locked = _open_request(request, RequestKind.CORRECTION)
        worker_edit(actor=actor, worker=locked.worker, data=data, heirs=heirs, today=today, pdp_request=locked.pk)
        change = AuditEntry.objects.filter(
            action="worker.changed",
            object_type="workers.worker",
            object_id=str(locked.worker_id),
            changes__pdp_request__1=locked.pk,
        ).first()
        fields = sorted(name for name in (change.changes if change else {}) if name != "pdp_request")
        with _records_language():
            if fields:
                outcome = gettext("The data were corrected as asked: %(fields)s.") % {
                    "fields": ", ".join(_field_names(fields))
                }
            else:
                outcome = gettext("The data already were as the person asked: nothing changed.")
        return _close(
            locked,
            actor=actor,
            status=RequestStatus.DONE,
            outcome=outcome,
            resolution=RequestResolution.CORRECTED,
            changes={"fields": [None, fields]},
        )


def _field_names(fields: Sequence[str]) -> list[str]:
    """The worker's changed fields by their names; "heirs" is no field of the worker."""
    labels = {field.name: str(field.verbose_name) for field in Worker._meta.fields}
    labels["heirs"] = gettext("heirs")
    return [labels.get(name, name) for name in fields]


# --- restriction -----------------------------------------------------------------------------------------------


def restriction_request_carry_out(*, actor: User, request: PersonRequest, reason: str = "") -> PersonRequest:
    """Restrict the processing of the worker's data, as the person asked."""
    require(actor, Action.PDP_MANAGE)
    _require_in_scope(actor, request.worker)
    with transaction.atomic():
        locked = _open_request(request, RequestKind.RESTRICTION)
        with _records_language():
            why = reason.strip() or gettext("The person asked for it.")
            outcome = gettext(
                "The processing of the data is restricted: the record is kept, but it is not proposed, exported or "
                "shown whole until the restriction is lifted."
            )
        processing_restrict(actor=actor, worker=locked.worker, request=locked, reason=why)
        return _close(
            locked, actor=actor, status=RequestStatus.DONE, outcome=outcome, resolution=RequestResolution.RESTRICTED
        )


# --- deletion --------------------------------------------------------------------------------------------------


def deletion_keeping_reasons(worker: Worker, *, today: dt.date | None = None) -> list[str]:
    """Why another law keeps ``worker``'s records on ``today``, one sentence each (in the active language);
    empty when a deletion can be carried out."""
    today = today or timezone.localdate()
    return _keeping_sentences(kept_by_law(worker, today=today), today=today)


def _keeping_sentences(reasons: Sequence[KeptByLaw], *, today: dt.date) -> list[str]:
    if not reasons:
        return []
    rules = rules_in_force(on=today)
    sentences = {
        KeptByLaw.LIVE_ENROLMENT: gettext(
            "The person is enrolled in a programme that is still running (proposed, verified, sent to BPJS or "
            "active): the enrolment must end first."
        ),
        KeptByLaw.FINANCE: gettext(
            "Contributions were billed for the person: the regional finance and archives rules keep the financial "
            "records for %(years)d years after the programme's last invoice."
        )
        % {"years": rules[Rule.RETENTION_INVOICE]},
        KeptByLaw.CLAIM: gettext(
            "The person has a claim that is open or was decided less than %(years)d years ago: the claims records "
            "are kept for that long."
        )
        % {"years": rules[Rule.RETENTION_CLAIM]},
        KeptByLaw.LEGAL_HOLD: gettext(
            "The records are under a legal hold (a dispute or an inquiry): nothing is deleted while it holds."
        ),
    }
    return [sentences[reason] for reason in reasons]


def deletion_request_answer(*, actor: User, request: PersonRequest, today: dt.date | None = None) -> PersonRequest:
    """Answer a deletion request: refused with the legal reasons where another law keeps the records, otherwise
    the worker is anonymised now, by the retention run's own statements (``retention.workers_anonymise``)."""
    require(actor, Action.PDP_MANAGE)
    _require_in_scope(actor, request.worker)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _open_request(request, RequestKind.DELETION)
        # The worker's row locked: an enrolment or a claim of theirs waits until the answer is written.
        Worker.objects.select_for_update().filter(pk=locked.worker_id).first()
        kept = kept_by_law(locked.worker, today=today)
        with _records_language():
            if kept:
                outcome = " ".join(
                    [
                        gettext("The data cannot be deleted now, because another law requires keeping them."),
                        *_keeping_sentences(kept, today=today),
                    ]
                )
                return _close(
                    locked,
                    actor=actor,
                    status=RequestStatus.REFUSED,
                    outcome=outcome,
                    changes={"kept_by": [None, [str(reason) for reason in kept]]},
                )
            outcome = gettext(
                "The data were anonymised: the NIK is kept only as a keyed code (so that a new registration is "
                "recognised), names, addresses and contacts are removed, and only figures remain."
            )
        counts = workers_anonymise([locked.worker_id], today=today)
        locked.worker.refresh_from_db()
        return _close(
            locked,
            actor=actor,
            status=RequestStatus.DONE,
            outcome=outcome,
            resolution=RequestResolution.ANONYMISED,
            changes={"anonymised": [None, sum(counts.values())]},
        )


# --- objection -------------------------------------------------------------------------------------------------

OBJECTION_CONTINUE = "continue"
OBJECTION_RESTRICT = "restrict"
OBJECTION_DECISIONS = (OBJECTION_CONTINUE, OBJECTION_RESTRICT)


def objection_request_decide(*, actor: User, request: PersonRequest, decision: str, reason: str) -> PersonRequest:
    """The officer's decision on an objection: processing continues, for the public task the programme carries
    out (``reason`` says why it outweighs the objection), or it is restricted as the person asks."""
    require(actor, Action.PDP_MANAGE)
    _require_in_scope(actor, request.worker)
    if decision not in OBJECTION_DECISIONS:
        raise RefusedStep(gettext("Choose the decision."), field="decision")
    reason = reason.strip()
    if not reason:
        raise RefusedStep(gettext("Give the reason for the decision: the person is told."), field="reason")
    with transaction.atomic():
        locked = _open_request(request, RequestKind.OBJECTION)
        if decision == OBJECTION_RESTRICT:
            processing_restrict(actor=actor, worker=locked.worker, request=locked, reason=reason)
            resolution = RequestResolution.RESTRICTED
        else:
            resolution = RequestResolution.CONTINUED
        return _close(
            locked,
            actor=actor,
            status=RequestStatus.DONE,
            outcome=reason,
            resolution=resolution,
            changes={"decision": [None, decision]},
            written_by_system=False,
        )
