"""``/api/v1/dci/crvs/notify``: deaths from the civil registry (DCI CRVS ``notify``), signed, into a review queue.

The body is the DCI envelope ``{signature, header, message}`` with ``header.action`` ``notify`` and
``message.notify_event[]`` of ``{reference_id, timestamp, data{reg_type, reg_event_type, reg_record_type,
reg_records}}`` (``spdci/standards``, ``registry_core_api_v1.0.0.yaml``, ``NotifyEventRequest``). Each record is a
person whose NIK is an identifier of type ``NIK`` and whose date of death is ``death_date`` (``deathdate`` and
``date_of_death`` are read too); ``reg_records`` may be an object or a list (implementations send both).

The signature (``lindung.api.dci.signing``) is checked against the keys registered for the calling client
(``ApiClient.public_keys``); a bad, tampered, expired or unknown-key signature, or a ``message_ts`` out of time,
is refused with 401 and logged without personal data. The answer is a DCI acknowledgement signed by Lindung.
A matched death is only queued: people confirm it (``lindung.civil_registry``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from lindung.accounts.permissions import Action, require
from lindung.api.dci.envelope import answer_envelope, timestamp
from lindung.api.dci.signing import SignatureRefused, message_time_refusal, verify
from lindung.api.problems import ApiProblem, Problem
from lindung.civil_registry.models import DeathMessage
from lindung.civil_registry.services import DeathEvent, death_notice_receive

logger = logging.getLogger(__name__)

router = Router(tags=["dci"])


class DciEnvelope(Schema):
    """A DCI message: ``signature`` (the DCI ``MsgSignature`` string), ``header`` and ``message``."""

    signature: str
    header: dict[str, Any]
    message: dict[str, Any]


class DciAck(Schema):
    signature: str
    header: dict[str, Any]
    message: dict[str, Any]


def _refuse(request: HttpRequest, code: str, status: int = 401) -> ApiProblem:
    token = getattr(request, "api_token", None)
    logger.warning(
        "dci.notify.refused",
        extra={"reason": code, "client": getattr(token, "client_id", None), "path": request.path},
    )
    if code.startswith("message_ts"):
        return ApiProblem(status, "dci-message-time", _("The message's time (message_ts) is too old or in the future."))
    return ApiProblem(
        status, "dci-signature", _("The message's signature is not valid for a key registered for this client.")
    )


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if value is not None else []


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _nik(person: dict[str, Any]) -> str | None:
    for key in ("identifier", "identifiers"):
        for item in _as_list(person.get(key)):
            if not isinstance(item, dict):
                continue
            kind = str(item.get("identifier_type", item.get("type", ""))).strip().upper()
            if kind == "NIK" or kind.endswith(":NIK"):
                return str(item.get("identifier_value", item.get("value", ""))).strip()
    if str(person.get("identifier_type", "")).strip().upper() == "NIK":
        return str(person.get("identifier_value", "")).strip()
    return None


def _is_death(*kinds: Any) -> bool:
    named = [str(kind).lower() for kind in kinds if kind not in (None, "")]
    return not named or all("death" in kind for kind in named)


def death_events(message: dict[str, Any]) -> list[DeathEvent]:
    """The deaths a CRVS notify message reports, one per person record."""
    events: list[DeathEvent] = []
    for number, item in enumerate(_as_list(message.get("notify_event"))):
        if not isinstance(item, dict):
            events.append(DeathEvent(reference_id=f"#{number}", nik=None, died_on=None))
            continue
        reference = str(item.get("reference_id") or f"#{number}")
        data: dict[str, Any] = item["data"] if isinstance(item.get("data"), dict) else {}
        records = _as_list(data.get("reg_records"))
        for index, record in enumerate(records or [None]):
            ref = reference if len(records) <= 1 else f"{reference}#{index}"
            if not isinstance(record, dict):
                events.append(DeathEvent(reference_id=ref, nik=None, died_on=None))
                continue
            person: dict[str, Any] = record["person"] if isinstance(record.get("person"), dict) else record
            died_on = next(
                (day for key in ("death_date", "deathdate", "date_of_death") if (day := _day(person.get(key)))), None
            )
            events.append(
                DeathEvent(
                    reference_id=ref,
                    nik=_nik(person),
                    died_on=died_on,
                    record=record,
                    is_death=_is_death(data.get("reg_event_type"), record.get("vital_event"), record.get("event_type")),
                )
            )
    return events


def _ack(request_header: dict[str, Any], message: DeathMessage, *, duplicate: bool) -> JsonResponse:
    body = {"ack_status": "ACK", "timestamp": timestamp(), "correlation_id": f"lindung-deaths-{message.pk}"}
    return answer_envelope(
        receiver_id=str(request_header.get("sender_id", "")),
        action="notify",
        message=body,
        total_count=message.events,
        completed_count=message.events,
        reason_message="The message was received before; nothing changed." if duplicate else None,
    )


@router.post(
    "/crvs/notify",
    response={200: DciAck, 401: Problem, 403: Problem, 422: Problem},
    summary="Deaths from the civil registry (DCI CRVS notify), signed; each matched death waits for review",
)
def crvs_notify(request: HttpRequest, envelope: DciEnvelope) -> JsonResponse:
    """Needs scope ``deaths.notify`` and an Ed25519 key registered for the client. The same ``message_id`` again
    changes nothing and gets the same acknowledgement (``correlation_id``)."""
    require(request.user, Action.DEATH_NOTIFY)
    token = getattr(request, "api_token", None)
    client = getattr(token, "client", None)
    if client is None:
        raise PermissionDenied(Action.DEATH_NOTIFY.value)
    try:
        raw = json.loads(request.body)
    except ValueError:
        raise ApiProblem(400, "validation", _("The body is not valid JSON.")) from None
    try:
        verified = verify(raw, list(client.public_keys or []))
    except SignatureRefused as refused:
        raise _refuse(request, refused.code) from None
    header = raw["header"]
    sender_id = header.get("sender_id")
    if sender_id not in (None, "", verified.sender_id):
        raise _refuse(request, "signature.sender")
    if (late := message_time_refusal(header)) is not None:
        raise _refuse(request, late)
    if header.get("action") != "notify":
        raise ApiProblem(
            422,
            "refused",
            _("This endpoint takes the action notify."),
            errors=[{"field": "header.action", "message": _("Choose one of the allowed values.")}],
        )
    if header.get("is_msg_encrypted"):
        raise ApiProblem(422, "refused", _("Encrypted messages are not accepted; send the message signed."))
    message = raw.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("notify_event"), list):
        raise ApiProblem(
            422,
            "refused",
            _("The message has no notify_event list."),
            errors=[{"field": "message.notify_event", "message": _("Enter a list.")}],
        )
    received = death_notice_receive(
        actor=request.user,  # type: ignore[arg-type]  # the API's authentication set a User
        message_id=str(header.get("message_id") or ""),
        events=death_events(message),
    )
    logger.info(
        "dci.notify.received",
        extra={
            "client": client.pk,
            "events": received.message.events,
            "queued": received.message.queued,
            "duplicate": received.duplicate,
        },
    )
    return _ack(header, received.message, duplicate=received.duplicate)
