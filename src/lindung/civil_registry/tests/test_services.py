"""The services behind the review queue: what a message files, what a confirmation does in the cases the HTTP
flow does not show, and who may decide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from lindung.accounts.api_access import api_client_create
from lindung.civil_registry.models import DeathMessage, DeathNotice, NoticeStatus
from lindung.civil_registry.services import (
    DeathEvent,
    DeathNoticeError,
    death_notice_confirm,
    death_notice_receive,
)
from lindung.claims.models import Claim, ClaimStatus
from lindung.claims.services import claim_register
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.testing import Cast, make_enrolment, make_programme, make_worker

pytestmark = pytest.mark.django_db

DIED_ON = dt.date(2026, 11, 20)


def _registry_actor():
    client, _secret = api_client_create(actor=None, name="Dukcapil", region_code="61", scopes=["deaths.notify"])
    return client.user


def test_a_message_files_only_matched_deaths_and_says_what_became_of_each_event(cast: Cast):
    programme = make_programme("KALBAR-2026")
    worker = make_worker()
    make_enrolment(worker, programme, Status.ACTIVE)
    events = [
        DeathEvent(reference_id="a", nik=worker.nik, died_on=DIED_ON),
        DeathEvent(reference_id="b", nik="6171010101900001", died_on=DIED_ON),
        DeathEvent(reference_id="c", nik=worker.nik, died_on=DIED_ON, is_death=False),
        DeathEvent(reference_id="d", nik="12345", died_on=DIED_ON),
        DeathEvent(reference_id="e", nik=worker.nik, died_on=dt.date(2999, 1, 1)),
        DeathEvent(reference_id="a", nik=worker.nik, died_on=DIED_ON),
    ]

    received = death_notice_receive(actor=_registry_actor(), message_id="m-1", events=events)

    assert [row["outcome"] for row in received.message.outcomes] == [
        "queued",
        "not_found",
        "not_a_death",
        "invalid",
        "invalid",
        "invalid",
    ]
    assert DeathNotice.objects.get().worker_id == worker.pk
    assert received.message.queued == 1


def test_a_person_cannot_notify_and_a_message_needs_an_id(cast: Cast):
    with pytest.raises(PermissionDenied):
        death_notice_receive(actor=cast["admin_provinsi"], message_id="m", events=[])
    with pytest.raises(DeathNoticeError):
        death_notice_receive(actor=_registry_actor(), message_id=" ", events=[])
    assert not DeathMessage.objects.exists()


def test_confirming_links_an_existing_death_claim_and_a_verifier_cannot_decide(cast: Cast):
    programme = make_programme("KALBAR-2026")
    worker = make_worker()
    enrolment = make_enrolment(worker, programme, Status.ACTIVE)
    death_notice_receive(actor=None, source="dukcapil", message_id="m-2", events=[DeathEvent("1", worker.nik, DIED_ON)])
    notice = DeathNotice.objects.get()
    with pytest.raises(PermissionDenied):
        death_notice_confirm(actor=cast["verifikator"], notice=notice)  # ends enrolments but opens no claims

    claim = claim_register(
        actor=cast["operator_sambas"],
        enrolment=enrolment,
        type="jkm",
        incident_date=DIED_ON,
        incident_place="Rumah",
        description="Meninggal dunia",
        reporter_name="Istri",
    )
    confirmed = death_notice_confirm(actor=cast["operator_sambas"], notice=notice)

    assert (confirmed.status, confirmed.claim_id) == (NoticeStatus.CONFIRMED, claim.pk)
    assert Claim.objects.get().status == ClaimStatus.REPORTED
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.end_reason) == (Status.ENDED, EndReason.DIED)
    with pytest.raises(DeathNoticeError):
        death_notice_confirm(actor=cast["operator_sambas"], notice=notice)


def test_a_worker_whose_cover_already_ended_gets_the_claim_on_the_enrolment_that_covered_the_day(cast: Cast):
    programme = make_programme("KALBAR-2026")
    worker = make_worker()
    enrolment = make_enrolment(worker, programme, Status.ENDED, coverage_end=dt.date(2026, 12, 31))
    death_notice_receive(actor=None, source="dukcapil", message_id="m-3", events=[DeathEvent("1", worker.nik, DIED_ON)])

    notice = death_notice_confirm(actor=cast["operator_sambas"], notice=DeathNotice.objects.get())

    assert notice.claim is not None and notice.claim.enrolment_id == enrolment.pk
    assert Enrolment.objects.get().status == Status.ENDED
