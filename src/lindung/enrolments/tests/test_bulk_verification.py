"""The verification queue and its bulk step: what a row shows, one decision for many, the quota for the whole
set, one audit entry per enrolment, the next waiting proposal, and the region scope of all of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied

from lindung.accounts.models import Role, User
from lindung.audit.models import AuditEntry
from lindung.enrolments.bulk_verification import Selection, enrolment_reject_bulk, enrolment_verify_bulk
from lindung.enrolments.models import Enrolment, Status
from lindung.enrolments.queue import QueueFilter
from lindung.enrolments.services import EnrolmentError
from lindung.programmes.models import FunderType, Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    Cast,
    client_for,
    make_enrolment,
    make_programme,
    make_user,
    make_worker,
    set_quota,
)
from lindung.workers.nik import nik_mask

# The services' sentences are compared in English, whatever language an earlier test of the process left active.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _proposals(
    programme: Programme, n: int, *, village: str = "61.01.01.2001", prefix: str = "Pekerja"
) -> list[Enrolment]:
    return [
        make_enrolment(
            make_worker(village=village, name=f"{prefix} {i}", birth_date=dt.date(1970, 1, 1 + i)), programme
        )
        for i in range(n)
    ]


def _statuses(enrolments: list[Enrolment]) -> list[str]:
    return list(
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).order_by("pk").values_list("status", flat=True)
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _listed(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-enrolment="(\d+)"', response.content.decode())]


@pytest.fixture
def verifier_pontianak(db: None) -> User:
    """A verifier whose region is one regency: the scope, not the role, keeps them off Sambas."""
    return make_user("verifikator_pontianak", Role.VERIFIKATOR, "61.71")


# --- the service ---------------------------------------------------------------------------------


def test_verifying_the_ticked_proposals_moves_each_and_audits_each(cast: Cast, programme: Programme):
    chosen = _proposals(programme, 3)
    other = make_enrolment(make_worker(name="Tidak Dipilih"), programme)

    outcome = enrolment_verify_bulk(actor=cast["verifikator"], selection=Selection.of_ids([e.pk for e in chosen]))

    assert (outcome.done, outcome.refused, outcome.sentences) == (3, 0, [])
    assert _statuses(chosen) == [Status.VERIFIED] * 3
    assert _statuses([other]) == [Status.PROPOSED]
    entries = AuditEntry.objects.filter(action="enrolment.verified").order_by("object_id")
    assert sorted(int(e.object_id) for e in entries) == [e.pk for e in chosen]
    assert {e.actor_username for e in entries} == {"verifikator"}
    assert all(e.changes == {"status": ["diusulkan", "terverifikasi"]} for e in entries)
    assert {e.region_code for e in entries} == {"61.01.01.2001"}


def test_all_that_match_a_filter_is_one_regency_of_one_programme_and_nothing_else(cast: Cast, programme: Programme):
    sambas = _proposals(programme, 2)
    pontianak = _proposals(programme, 2, village=PONTIANAK_VILLAGE)
    second = make_programme("KALBAR-LAIN", funder_type=FunderType.CSR)
    set_quota(second, "61.01", 10)
    elsewhere = make_enrolment(make_worker(name="Program Lain"), second)

    outcome = enrolment_verify_bulk(
        actor=cast["verifikator"], selection=Selection.matching(QueueFilter(programme=programme.pk, regency="61.01"))
    )

    assert outcome.done == 2
    assert _statuses(sambas) == [Status.VERIFIED] * 2
    assert _statuses(pontianak) == [Status.PROPOSED] * 2
    assert _statuses([elsewhere]) == [Status.PROPOSED]


def test_a_set_over_the_quota_verifies_the_oldest_that_fit_and_says_why_the_rest_waits(cast: Cast):
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 5)
    make_enrolment(make_worker(name="Sudah Aktif"), programme, Status.ACTIVE)
    make_enrolment(make_worker(name="Sudah Diverifikasi"), programme, Status.VERIFIED)
    waiting = _proposals(programme, 5)

    outcome = enrolment_verify_bulk(actor=cast["verifikator"], selection=Selection.of_ids([e.pk for e in waiting]))

    assert (outcome.done, outcome.refused) == (3, 2)
    assert _statuses(waiting) == [Status.VERIFIED] * 3 + [Status.PROPOSED] * 2
    assert outcome.sentences == [
        "2 proposals of Kabupaten Sambas were not verified: the quota of 5 workers in programme KALBAR-2026 had "
        "3 places left, and the oldest proposals took them."
    ]
    assert AuditEntry.objects.filter(action="enrolment.verified").count() == 3


def test_a_regency_without_a_quota_is_refused_with_its_sentence_and_the_others_go_through(cast: Cast):
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 10)
    sambas = _proposals(programme, 2)
    pontianak = _proposals(programme, 1, village=PONTIANAK_VILLAGE)

    outcome = enrolment_verify_bulk(
        actor=cast["verifikator"], selection=Selection.of_ids([e.pk for e in sambas + pontianak])
    )

    assert (outcome.done, outcome.refused) == (2, 1)
    assert _statuses(pontianak) == [Status.PROPOSED]
    assert outcome.sentences == [
        "1 proposal of Kota Pontianak was not verified: programme KALBAR-2026 has no quota set for Kota Pontianak."
    ]


def test_rejecting_many_needs_one_reason_and_writes_it_on_each(cast: Cast, programme: Programme):
    chosen = _proposals(programme, 2)
    with pytest.raises(EnrolmentError):
        enrolment_reject_bulk(actor=cast["verifikator"], selection=Selection.of_ids([e.pk for e in chosen]), reason=" ")
    assert _statuses(chosen) == [Status.PROPOSED] * 2

    outcome = enrolment_reject_bulk(
        actor=cast["verifikator"], selection=Selection.of_ids([e.pk for e in chosen]), reason="NIK tidak cocok"
    )

    assert outcome.done == 2
    rows = Enrolment.objects.filter(pk__in=[e.pk for e in chosen])
    assert {(r.status, r.rejection_reason) for r in rows} == {(Status.REJECTED, "NIK tidak cocok")}
    assert AuditEntry.objects.filter(action="enrolment.rejected").count() == 2


def test_a_proposal_decided_meanwhile_is_left_as_it_is_and_counted(cast: Cast, programme: Programme):
    first, second = _proposals(programme, 2)
    Enrolment.objects.filter(pk=second.pk).update(status=Status.REJECTED, rejection_reason="sudah ditolak")

    outcome = enrolment_verify_bulk(actor=cast["verifikator"], selection=Selection.of_ids([first.pk, second.pk]))

    assert (outcome.done, outcome.not_waiting) == (1, 1)
    assert _statuses([first, second]) == [Status.VERIFIED, Status.REJECTED]


def test_an_operator_cannot_verify_or_reject_in_bulk(cast: Cast, programme: Programme):
    chosen = _proposals(programme, 1)
    with pytest.raises(PermissionDenied):
        enrolment_verify_bulk(actor=cast["operator_sambas"], selection=Selection.of_ids([chosen[0].pk]))
    with pytest.raises(PermissionDenied):
        enrolment_reject_bulk(actor=cast["operator_sambas"], selection=Selection.of_ids([chosen[0].pk]), reason="x")
    assert _statuses(chosen) == [Status.PROPOSED]


def test_a_verifier_of_one_regency_cannot_verify_another_regencys_proposals(
    cast: Cast, programme: Programme, verifier_pontianak: User
):
    sambas = _proposals(programme, 2)
    pontianak = _proposals(programme, 1, village=PONTIANAK_VILLAGE)

    by_ids = enrolment_verify_bulk(
        actor=verifier_pontianak, selection=Selection.of_ids([e.pk for e in sambas + pontianak])
    )
    assert (by_ids.done, by_ids.not_waiting) == (1, 2)
    assert _statuses(pontianak) == [Status.VERIFIED]
    with pytest.raises(EnrolmentError):  # all that match, in their scope: nothing waits there any more
        enrolment_reject_bulk(actor=verifier_pontianak, selection=Selection.matching(QueueFilter()), reason="x")
    assert _statuses(sambas) == [Status.PROPOSED] * 2
    assert (
        not AuditEntry.objects.filter(object_id__in=[str(e.pk) for e in sambas])
        .exclude(action="enrolment.proposed")
        .exists()
    )


# --- the queue page --------------------------------------------------------------------------------


def test_the_queue_shows_what_a_verifier_decides_on_in_one_row(cast: Cast, programme: Programme):
    worker = make_worker(name="Siti Aminah", birth_date=dt.date(1980, 7, 1), declared_income=1_250_000)
    look_alike = make_worker(name="Aminah, Siti", birth_date=dt.date(1980, 7, 1))
    other_programme = make_programme("KAB-SAMBAS", funder_type=FunderType.APBD_KABKOTA, region_id="61.01")
    make_enrolment(worker, other_programme, Status.ACTIVE)
    enrolment = make_enrolment(worker, programme)
    make_enrolment(make_worker(name="Sudah Aktif"), programme, Status.ACTIVE)

    response = client_for(cast["verifikator"]).get("/kepesertaan/verifikasi/")

    assert response.status_code == 200
    assert _listed(response) == [enrolment.pk]
    row = re.search(rf'<tr data-enrolment="{enrolment.pk}">(.*?)</tr>', response.content.decode(), re.S)
    assert row is not None
    cells = row.group(1)
    assert nik_mask(worker.nik) in cells and worker.nik not in cells
    assert '<td data-testid="age">45</td>' in cells  # born July 1980, coverage from January 2026
    assert "Petani" in cells or "Farmer" in cells
    assert "Rp 1,250,000" in cells
    assert f'href="/pekerja/{look_alike.pk}/"' in cells
    assert "KAB-SAMBAS" in cells
    assert '<td class="num" data-testid="quota-left">99 / 100</td>' in cells


def test_the_look_alikes_are_the_registry_rules_same_regency_and_birth_date_and_a_like_name(
    cast: Cast, programme: Programme, verifier_pontianak: User
):
    set_quota(programme, "61.71", 10)
    worker = make_worker(village=PONTIANAK_VILLAGE, name="Siti Aminah", birth_date=dt.date(1980, 7, 1))
    # A worker registered in Sambas with the same birth date: the rule's regency differs, so no look-alike;
    # the same regency's look-alike is linked.
    twin = make_worker(village=PONTIANAK_VILLAGE, name="SITI AMINAH.", birth_date=dt.date(1980, 7, 1))
    make_worker(name="Siti Aminah", birth_date=dt.date(1980, 7, 1))
    make_enrolment(worker, programme)

    body = client_for(verifier_pontianak).get("/kepesertaan/verifikasi/").content.decode()

    assert f'href="/pekerja/{twin.pk}/"' in body
    assert len(re.findall(r'href="/pekerja/\d+/"', body)) == 1


def test_the_queue_makes_a_fixed_number_of_queries_whatever_the_page_holds(
    cast: Cast, programme: Programme, django_assert_max_num_queries
):
    _proposals(programme, 3)
    client = client_for(cast["verifikator"])
    client.get("/kepesertaan/verifikasi/")
    _proposals(programme, 30, prefix="Lagi")
    with django_assert_max_num_queries(14):
        response = client.get("/kepesertaan/verifikasi/")
    assert len(_listed(response)) == 33


def test_the_bulk_form_verifies_the_ticked_rows_and_the_queue_shrinks(cast: Cast, programme: Programme):
    chosen = _proposals(programme, 3)
    client = client_for(cast["verifikator"])

    response = client.post(
        "/kepesertaan/verifikasi/langkah/", {"step": "verify", "which": "selected", "ids": [chosen[0].pk, chosen[2].pk]}
    )

    assert response.status_code == 303
    assert _messages(response) == ["2 proposals verified."]
    assert _statuses(chosen) == [Status.VERIFIED, Status.PROPOSED, Status.VERIFIED]
    assert _listed(client.get("/kepesertaan/verifikasi/")) == [chosen[1].pk]


def test_the_bulk_form_over_the_quota_says_what_was_not_verified(cast: Cast):
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 2)
    _proposals(programme, 3)

    response = client_for(cast["verifikator"]).post(
        "/kepesertaan/verifikasi/langkah/",
        {"step": "verify", "which": "all", "regency": "61.01", "programme": programme.pk},
    )

    assert response.status_code == 303
    assert response["Location"] == f"/kepesertaan/verifikasi/?programme={programme.pk}&regency=61.01"
    assert _messages(response) == [
        "2 proposals verified.",
        "1 proposal of Kabupaten Sambas was not verified: the quota of 2 workers in programme KALBAR-2026 had "
        "2 places left, and the oldest proposals took them.",
    ]


def test_the_bulk_form_refuses_a_rejection_without_a_reason_and_nothing_ticked(cast: Cast, programme: Programme):
    chosen = _proposals(programme, 1)
    client = client_for(cast["verifikator"])

    no_reason = client.post(
        "/kepesertaan/verifikasi/langkah/", {"step": "reject", "which": "selected", "ids": [chosen[0].pk]}
    )
    nothing = client.post("/kepesertaan/verifikasi/langkah/", {"step": "verify", "which": "selected"})

    assert no_reason.status_code == 400 and 'data-testid="error-reason"' in no_reason.content.decode()
    assert nothing.status_code == 400 and 'data-testid="error"' in nothing.content.decode()
    assert _statuses(chosen) == [Status.PROPOSED]


def test_the_queue_and_its_bulk_step_are_for_verifiers_only(cast: Cast, programme: Programme):
    chosen = _proposals(programme, 1)
    client = client_for(cast["operator_sambas"])
    assert client.get("/kepesertaan/verifikasi/").status_code == 403
    response = client.post("/kepesertaan/verifikasi/langkah/", {"step": "verify", "which": "all"})
    assert response.status_code == 403
    assert _statuses(chosen) == [Status.PROPOSED]


def test_a_regency_verifier_neither_sees_nor_verifies_another_regencys_queue(
    cast: Cast, programme: Programme, verifier_pontianak: User
):
    sambas = _proposals(programme, 2)
    pontianak = _proposals(programme, 1, village=PONTIANAK_VILLAGE)
    client = client_for(verifier_pontianak)

    assert _listed(client.get("/kepesertaan/verifikasi/")) == [pontianak[0].pk]
    assert _listed(client.get("/kepesertaan/verifikasi/?regency=61.01")) == [pontianak[0].pk]
    refused = client.post("/kepesertaan/verifikasi/langkah/", {"step": "verify", "which": "all", "regency": "61.01"})
    ticked = client.post(
        "/kepesertaan/verifikasi/langkah/", {"step": "verify", "which": "selected", "ids": [sambas[0].pk]}
    )

    assert refused.status_code == 400
    assert ticked.status_code == 303
    assert _statuses(sambas) == [Status.PROPOSED] * 2
    assert _statuses(pontianak) == [Status.PROPOSED]
    assert client.get(f"/kepesertaan/{sambas[0].pk}/berikutnya/").status_code == 404


# --- the next waiting proposal ---------------------------------------------------------------------


def test_next_waiting_moves_on_in_the_queues_order_and_ends_on_the_queue(cast: Cast, programme: Programme):
    first, second = _proposals(programme, 2)
    client = client_for(cast["verifikator"])

    detail = client.get(f"/kepesertaan/{first.pk}/").content.decode()
    assert f'href="/kepesertaan/{first.pk}/berikutnya/"' in detail
    assert client.get(f"/kepesertaan/{first.pk}/berikutnya/")["Location"] == f"/kepesertaan/{second.pk}/"
    client.post(f"/kepesertaan/{first.pk}/verifikasi/")
    client.post(f"/kepesertaan/{second.pk}/verifikasi/")
    assert client.get(f"/kepesertaan/{second.pk}/berikutnya/")["Location"] == "/kepesertaan/verifikasi/"


def test_next_waiting_skips_the_proposals_of_another_region(cast: Cast, programme: Programme, verifier_pontianak: User):
    set_quota(programme, "61.71", 10)
    first = _proposals(programme, 1, village=PONTIANAK_VILLAGE)[0]
    _proposals(programme, 2)  # Sambas, proposed later
    last = _proposals(programme, 1, village=PONTIANAK_VILLAGE, prefix="Akhir")[0]

    response = client_for(verifier_pontianak).get(f"/kepesertaan/{first.pk}/berikutnya/")

    assert response["Location"] == f"/kepesertaan/{last.pk}/"


def test_an_operator_sees_no_next_waiting_link(cast: Cast, programme: Programme):
    enrolment = _proposals(programme, 1)[0]
    assert "berikutnya" not in client_for(cast["operator_sambas"]).get(f"/kepesertaan/{enrolment.pk}/").content.decode()
