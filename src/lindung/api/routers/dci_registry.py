"""``/api/v1/dci/registry/``: Lindung as a DCI integrated beneficiary registry (IBR profile, ``spdci/standards``
``ibr_api_v1.0.0``), answering synchronously.

- ``sync/search``: each ``search_request`` is answered in ``search_response`` with the ``Beneficiary`` records it
  finds (``lindung.api.dci.ibr``), a page at a time.
- ``sync/enrolled``: whether a person (by NIK) is an active beneficiary: ``enrolled_status`` yes or no.

The caller needs the scope ``registry.read`` and sees only its own region: a person outside it is answered as
not found, as an unknown NIK is. A body that is not a DCI envelope is a problem (422); an envelope Lindung will
not answer is answered with the header's ``status`` ``rjct`` and the standard's reason code.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from ninja import Router

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, ApiScope, require, signed_in_user
from lindung.api.dci import ibr
from lindung.api.dci.envelope import (
    EnrolledAnswer,
    EnrolledEnvelope,
    SearchAnswer,
    SearchEnvelope,
    SearchRequestItem,
    answer_envelope,
    header_refusal,
    new_id,
    timestamp,
)

router = Router(tags=["dci"])

# A request's ``locale`` (ISO 639-3, or the two letters many senders use) → the language of its sentences.
_LANGUAGES = {"ind": "id", "id": "id", "eng": "en", "en": "en"}


def _reader(request: HttpRequest) -> User:
    """The caller, who must hold the scope ``registry.read`` and may view workers (as the web asks)."""
    token = getattr(request, "api_token", None)
    if token is None or ApiScope.REGISTRY_READ.value not in token.scopes:
        raise PermissionDenied(ApiScope.REGISTRY_READ.value)
    user = signed_in_user(request)
    require(user, Action.WORKER_VIEW)
    return user


def _language(locale: str | None) -> str:
    return _LANGUAGES.get((locale or "").strip().lower(), translation.get_language() or "id")


def _search_one(user: User, item: SearchRequestItem) -> dict[str, Any]:
    answer: dict[str, Any] = {"reference_id": item.reference_id, "timestamp": timestamp(), "locale": item.locale}
    with translation.override(_language(item.locale)):
        try:
            found = ibr.search(user, item.search_criteria)
        except ibr.SearchRefused as refused:
            return {
                **answer,
                "status": "rjct",
                "status_reason_code": refused.code,
                "status_reason_message": refused.message,
            }
    return {
        **answer,
        "status": "succ",
        "data": ibr.search_data(item.search_criteria, found),
        "pagination": found.pagination(),
    }


@router.post(
    "/sync/search",
    response=SearchAnswer,
    summary="DCI registry search (IBR, synchronous): beneficiaries by NIK or by region, programme and status",
)
def sync_search(request: HttpRequest, envelope: SearchEnvelope) -> JsonResponse:
    """Each ``search_request`` is answered in ``search_response`` (status ``succ`` with ``data.reg_records``, or
    ``rjct`` with the standard's reason code). Queries: ``idtype-value`` with ``{"type": "NIK", "value": NIK}``;
    ``predicate`` or ``expression`` on ``region`` (a Kemendagri code), ``programme`` (its code), ``status``
    (``Active``, ``Deceased``, ``Graduated``, ``Suspended`` or Lindung's status) and ``person_identifier`` (a NIK),
    with ``eq`` and ``and``. A record is a ``Beneficiary``: one person in one programme, with ``benefits``
    (``benefit_type`` Insurance: JKK, JKM and the coverage period). Pages of at most 50 records, newest
    proposal first (``sort`` is not applied). A search by NIK answers the whole NIK and birth date (audited) and
    today's cover; a list answers NIKs masked. A person whose processing is restricted (UU 27/2022) is answered
    without name or NIK, with their enrolment and cover. Outside the caller's region nothing is found."""
    user = _reader(request)
    requests = envelope.message.search_request
    refusal = header_refusal(envelope.header, actions=("search",), count=len(requests), limit=ibr.SEARCHES_PER_MESSAGE)
    answers = [] if refusal else [_search_one(user, item) for item in requests]
    return answer_envelope(
        receiver_id=envelope.header.sender_id,
        action="on-search",
        message={
            "transaction_id": envelope.message.transaction_id,
            "correlation_id": new_id(),
            "search_response": answers,
        },
        total_count=len(requests),
        completed_count=len(answers),
        status="rjct" if refusal else "succ",
        reason_code=refusal[0] if refusal else None,
        reason_message=refusal[1] if refusal else None,
    )


@router.post(
    "/sync/enrolled",
    response=EnrolledAnswer,
    summary="DCI enrolment check (IBR, synchronous): is this person an active beneficiary?",
)
def sync_enrolled(request: HttpRequest, envelope: EnrolledEnvelope) -> JsonResponse:
    """``enrolled_status`` ``yes`` when the person (``person_identifier``, a NIK; in the standard's expression
    ``{"$and": [{"person_identifier": {"eq": NIK}}]}``, or ``idtype-value``) has an active enrolment within the
    caller's region (and the ``programme`` or ``region`` named), ``no`` otherwise: unknown and out of the
    caller's region alike."""
    user = _reader(request)
    criteria = envelope.message.enrolled_criteria
    refusal = header_refusal(envelope.header, actions=("search", "enrolled"), count=1, limit=1)
    answers: list[dict[str, Any]] = []
    if refusal is None:
        answer: dict[str, Any] = {"reference_id": envelope.message.transaction_id, "timestamp": timestamp()}
        with translation.override(_language(criteria.locale)):
            try:
                enrolled = ibr.enrolled(user, criteria)
            except ibr.SearchRefused as refused:
                answer |= {
                    "status": "rjct",
                    "status_reason_code": refused.code,
                    "status_reason_message": refused.message,
                    "enrolled_status": "no",
                }
            else:
                answer |= {"status": "succ", "enrolled_status": "yes" if enrolled else "no"}
        answers.append(answer)
    return answer_envelope(
        receiver_id=envelope.header.sender_id,
        action="on-enrolled",
        message={
            "transaction_id": envelope.message.transaction_id,
            "correlation_id": new_id(),
            "enrolled_response": answers,
        },
        total_count=1,
        completed_count=len(answers),
        status="rjct" if refusal else "succ",
        reason_code=refusal[0] if refusal else None,
        reason_message=refusal[1] if refusal else None,
    )
