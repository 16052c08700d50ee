"""The DCI message envelope (``spdci/standards``, ``release/yaml/registry_core_api_v1.0.0.yaml`` and
``ibr_api_v1.0.0.yaml``): ``{signature, header, message}``, as Lindung reads it and answers it.

- A request's header is ``MsgHeader_V1.0.0`` (``message_id``, ``message_ts``, ``action``, ``sender_id``,
  ``total_count`` required); an answer's is ``MsgCallbackHeader_V1.0.0`` (with ``status``,
  ``status_reason_code``, ``status_reason_message``, ``completed_count``).
- A body that does not have the envelope's form is refused as a problem (422, ``api.problems``); an envelope
  that has it but that Lindung will not answer (another ``action``, a ``total_count`` that is not the number
  of requests, too many requests) is answered with an envelope whose header says ``rjct`` and why.
- ``answer_envelope`` is the one place that builds an answer envelope: Lindung's signature is set there.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict

from lindung.api.dci.signing import signed_envelope

DCI_VERSION = "1.0.0"
# The registry type Lindung answers as (``RegistryType``: "defined as per implementation context").
REG_TYPE = "ns:org:RegistryType:IBR"
REG_RECORD_TYPE = "Beneficiary"

# Bounds of what one message may hold: a request beyond them is refused before any work is done.
ID_MAX = 99  # transaction_id, reference_id, message_id: ``maxLength: 99`` in the standard
TEXT_MAX = 200
SIGNATURE_MAX = 4_000
MESSAGE_REQUESTS_MAX = 1_000  # the schema's bound; ``SEARCHES_PER_MESSAGE`` is the one Lindung answers
PREDICATES_MAX = 10
SORTS_MAX = 10

RequestStatus = Literal["rcvd", "pdng", "succ", "rjct"]
QueryType = Literal["idtype-value", "expression", "predicate"]
AttributeValue = str | int | float | bool | list[str | int] | dict[str, Any] | None


def _text_only(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("a DateTime is a text")
    return value


# A DCI ``DateTime``: an ISO 8601 text (a number of seconds is not one).
DateTimeText = Annotated[dt.datetime, Field(strict=False), BeforeValidator(_text_only)]


# --- what a caller sends --------------------------------------------------------------------------------


class _Strict(Schema):
    """A request's part: a value of another JSON type than the standard's is refused, not converted (``false``
    is no page number, ``"1"`` no count)."""

    model_config = ConfigDict(strict=True)


class MsgHeader(_Strict):
    """``MsgHeader_V1.0.0``."""

    version: str = Field(DCI_VERSION, max_length=20)
    message_id: str = Field(..., min_length=1, max_length=ID_MAX)
    message_ts: DateTimeText
    action: str = Field(..., min_length=1, max_length=50)
    sender_id: str = Field(..., min_length=1, max_length=TEXT_MAX)
    sender_uri: str | None = Field(None, max_length=1_000)
    receiver_id: str | None = Field(None, max_length=TEXT_MAX)
    total_count: int = Field(..., ge=0, le=1_000_000)
    is_msg_encrypted: bool = False
    meta: dict[str, Any] | None = None


class IdTypeValue(_Strict):
    """``IdentifierTypeValue``: the query of ``idtype-value`` (Lindung's identifier type is ``NIK``)."""

    type: str = Field(..., min_length=1, max_length=50)
    value: str | int = Field(..., union_mode="left_to_right")


class ExpPredicate(_Strict):
    attribute_name: str = Field(..., min_length=1, max_length=100)
    operator: Literal["gt", "lt", "eq", "ge", "le", "in"]
    attribute_value: AttributeValue


class ExpPredicateWithCondition(_Strict):
    seq_num: int | float | None = None
    expression1: ExpPredicate
    condition: Literal["and", "or", "not"] | None = None
    expression2: ExpPredicate | None = None


class SearchSort(_Strict):
    attribute_name: str = Field(..., max_length=100)
    sort_order: Literal["asc", "desc"] | None = None


class PaginationRequest(_Strict):
    """``PaginationRequest``: pages count from 1."""

    page_size: int
    page_number: int = 1


class SearchCriteria(_Strict):
    version: str = Field(DCI_VERSION, max_length=20)
    reg_type: str | None = Field(None, max_length=TEXT_MAX)
    reg_event_type: str | None = Field(None, max_length=TEXT_MAX)
    query_type: QueryType
    query: IdTypeValue | list[ExpPredicateWithCondition] | dict[str, Any] = Field(..., union_mode="left_to_right")
    sort: list[SearchSort] = Field(default_factory=list, max_length=SORTS_MAX)
    pagination: PaginationRequest | None = None
    consent: dict[str, Any] | None = None
    authorize: dict[str, Any] | None = None


class SearchRequestItem(_Strict):
    reference_id: str = Field(..., min_length=1, max_length=ID_MAX)
    timestamp: DateTimeText
    search_criteria: SearchCriteria
    locale: str | None = Field(None, max_length=10)


class SearchRequestMessage(_Strict):
    """``SearchRequest``."""

    transaction_id: str = Field(..., min_length=1, max_length=ID_MAX)
    search_request: list[SearchRequestItem] = Field(..., min_length=1, max_length=MESSAGE_REQUESTS_MAX)


class SearchEnvelope(_Strict):
    """A ``sync/search`` request: ``{signature, header, message}``."""

    signature: str | None = Field(None, max_length=SIGNATURE_MAX)
    header: MsgHeader
    message: SearchRequestMessage


class EnrolledCriteria(_Strict):
    """``EnrolledCriteria`` (``src/extensions/ibr``): the standard's example query is an expression,
    ``{"$and": [{"person_identifier": {"eq": "..."}}]}``."""

    query_type: QueryType
    response_entity: str | None = Field(None, max_length=50)
    query: IdTypeValue | list[ExpPredicateWithCondition] | dict[str, Any] = Field(..., union_mode="left_to_right")
    locale: str | None = Field(None, max_length=10)


class EnrolledRequestMessage(_Strict):
    """``EnrolledRequest``."""

    transaction_id: str = Field(..., min_length=1, max_length=ID_MAX)
    enrolled_criteria: EnrolledCriteria


class EnrolledEnvelope(_Strict):
    """A ``sync/enrolled`` request."""

    signature: str | None = Field(None, max_length=SIGNATURE_MAX)
    header: MsgHeader
    message: EnrolledRequestMessage


# --- what Lindung answers ---------------------------------------------------------------------------------


class AnswerHeader(Schema):
    """``MsgCallbackHeader_V1.0.0``."""

    version: str
    message_id: str
    message_ts: str
    action: str
    status: RequestStatus
    status_reason_code: str | None = None
    status_reason_message: str | None = None
    total_count: int
    completed_count: int
    sender_id: str
    receiver_id: str
    is_msg_encrypted: bool = False


class PersonName(Schema):
    first_name: str
    second_name: str
    surname: str


class Person(Schema):
    identifier_type: str
    identifier_value: str
    name: PersonName
    sex: str
    birth_date: str
    death_date: str


class DemographicInfo(Schema):
    person: Person


class DciProgramme(Schema):
    programme_identifier: str
    programme_name: str


class Insurance(Schema):
    """Lindung's extension of ``benefits``: the cover a programme buys from BPJS Ketenagakerjaan."""

    components: list[str]
    coverage_status: str
    coverage_start: str
    coverage_end: str
    paid_through: str


class Benefits(Schema):
    benefit_type: str
    benefit_date: str
    benefit_value: str
    benefit_frequency: str
    insurance: Insurance


class ProgrammeEnrolment(Schema):
    programme: DciProgramme
    enrolment_date: str
    enrolment_status: str
    status_change_date: str
    benefits: Benefits


class AttributeNameValue(Schema):
    name: str
    value: str


class Member(Schema):
    member_identifier: str
    demographic_info: DemographicInfo
    registration_date: str
    programme_identifier: ProgrammeEnrolment
    additional_attributes: list[AttributeNameValue]


class Beneficiary(Schema):
    """``src/extensions/ibr/Beneficiary.yaml``: one person in one programme."""

    member: Member


class SearchData(Schema):
    version: str
    reg_type: str
    reg_record_type: str
    reg_records: list[Beneficiary]


class Pagination(Schema):
    page_size: int
    page_number: int
    total_count: int


class SearchResponseItem(Schema):
    reference_id: str
    timestamp: str
    status: RequestStatus
    status_reason_code: str | None = None
    status_reason_message: str | None = None
    data: SearchData | None = None
    pagination: Pagination | None = None
    locale: str | None = None


class SearchResponseMessage(Schema):
    transaction_id: str
    correlation_id: str
    search_response: list[SearchResponseItem]


class SearchAnswer(Schema):
    signature: str
    header: AnswerHeader
    message: SearchResponseMessage


class EnrolledResponseItem(Schema):
    reference_id: str
    timestamp: str
    status: RequestStatus
    status_reason_code: str | None = None
    status_reason_message: str | None = None
    enrolled_status: Literal["yes", "no"]


class EnrolledResponseMessage(Schema):
    transaction_id: str
    correlation_id: str
    enrolled_response: list[EnrolledResponseItem]


class EnrolledAnswer(Schema):
    signature: str
    header: AnswerHeader
    message: EnrolledResponseMessage


# --- building answers ----------------------------------------------------------------------------------


def timestamp(moment: dt.datetime | None = None) -> str:
    """A DCI ``DateTime``: ISO 8601 with its offset."""
    return (moment or timezone.now()).isoformat(timespec="seconds")


def new_id() -> str:
    """A ``message_id`` or ``correlation_id`` of Lindung's: unique, at most ``ID_MAX`` characters."""
    return uuid.uuid4().hex


def header_refusal(header: MsgHeader, *, actions: tuple[str, ...], count: int, limit: int) -> tuple[str, str] | None:
    """Why Lindung will not answer a message with this header (``MsgHeaderStatusReasonCode`` and a sentence),
    or None. ``count`` requests are in the message; Lindung answers at most ``limit`` in one."""
    if not header.version.startswith("1."):
        return "rjct.version.invalid", _("Lindung answers version 1.0.0 of the DCI messages.")
    if header.action not in actions:
        return "rjct.action.invalid", _("This address answers the action %(actions)s.") % {
            "actions": ", ".join(actions)
        }
    if header.is_msg_encrypted:
        return "rjct.action.not_supported", _("Lindung does not take encrypted messages; send the message over HTTPS.")
    if header.total_count != count:
        return "rjct.total_count.invalid", _(
            "total_count must be the number of requests in the message (%(count)d)."
        ) % {"count": count}
    if count > limit:
        return "rjct.total_count.limit_exceeded", _("At most %(limit)d requests in one message.") % {"limit": limit}
    return None


def answer_envelope(
    *,
    receiver_id: str,
    action: str,
    message: dict[str, Any],
    total_count: int,
    completed_count: int,
    status: RequestStatus = "succ",
    reason_code: str | None = None,
    reason_message: str | None = None,
) -> JsonResponse:
    """The answer to an envelope sent by ``receiver_id``: Lindung's header, ``message`` as given, signed;
    ``total_count`` requests were in the message, ``completed_count`` of them answered.

    The only place an answer envelope is built. ``message`` holds only JSON values (dates as ISO strings), so
    that what is signed is what is sent.
    """
    header: dict[str, Any] = {
        "version": DCI_VERSION,
        "message_id": new_id(),
        "message_ts": timestamp(),
        "action": action,
        "status": status,
        "status_reason_code": reason_code,
        "status_reason_message": reason_message[:999] if reason_message else None,
        "total_count": total_count,
        "completed_count": completed_count,
        "sender_id": settings.LINDUNG_DCI_SENDER_ID,
        "receiver_id": receiver_id[:TEXT_MAX],
        "is_msg_encrypted": False,
    }
    # Sent as signed, not through the route's response schema: a schema's defaults and types would change the
    # bytes after signing and the signature would no longer verify.
    return JsonResponse(signed_envelope(header, message))
