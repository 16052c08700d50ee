"""The start page of a signed-in user: what waits for them, per role and within their region, as counts that
link to the lists where the work is done (and agree with them)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lindung.accounts.models import Role
from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.contributions.models import Invoice, InvoiceStatus
from lindung.enrolments.models import Enrolment, Status
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.programmes.models import Programme
from lindung.testing import PONTIANAK_VILLAGE, Cast, client_for, make_enrolment, make_user, make_worker

pytestmark = pytest.mark.django_db


def _counts(body: str) -> dict[str, int]:
    return {key: int(n.replace(".", "")) for key, n in re.findall(r'data-testid="count-([a-z_]+)">([\d.]+)<', body)}


def _link(body: str, key: str) -> str:
    found = re.search(rf'data-waiting="{key}">\s*<a href="([^"]+)"', body)
    assert found is not None, key
    return found.group(1).replace("&amp;", "&")


def _stages(programme: Programme, village: str, counts: dict[str, int]) -> None:
    for status, n in counts.items():
        for _ in range(n):
            make_enrolment(make_worker(village=village), programme, status)


def test_the_verifier_sees_the_proposals_waiting_per_regency_linked_to_the_queue(cast: Cast, programme: Programme):
    _stages(programme, "61.01.01.2001", {Status.PROPOSED: 3, Status.VERIFIED: 2, Status.ACTIVE: 1})
    _stages(programme, PONTIANAK_VILLAGE, {Status.PROPOSED: 1, Status.SENT: 4})
    client = client_for(cast["verifikator"])

    body = client.get("/").content.decode()

    assert _counts(body) == {"proposed": 4, "verified": 2, "sent": 4, "claims_documents": 0, "claims_attention": 0}
    assert _link(body, "proposed") == "/kepesertaan/verifikasi/"
    parts = re.findall(
        r'<a href="/kepesertaan/verifikasi/\?regency=([\d.]+)" data-testid="part-proposed">([^<]+)<strong>(\d+)', body
    )
    assert parts == [("61.01", "Kabupaten Sambas: ", "3"), ("61.71", "Kota Pontianak: ", "1")]
    # The count and the list it links to agree.
    queue = client.get("/kepesertaan/verifikasi/?regency=61.01").content.decode()
    assert 'data-count="3"' in queue
    assert _link(body, "verified") == "/kepesertaan/?status=terverifikasi"


def test_an_operator_counts_only_their_regency_and_only_what_they_act_on(cast: Cast, programme: Programme):
    _stages(programme, "61.01.01.2001", {Status.REJECTED: 2, Status.PROPOSED: 1})
    _stages(programme, PONTIANAK_VILLAGE, {Status.REJECTED: 5, Status.PROPOSED: 7})
    ImportBatch.objects.create(
        programme=programme,
        file_name="a.xlsx",
        status=ImportStatus.FAILED,
        region_code="61.71",
        uploaded_by=cast["operator_pontianak"],
    )

    sambas = _counts(client_for(cast["operator_sambas"]).get("/").content.decode())
    pontianak = _counts(client_for(cast["operator_pontianak"]).get("/").content.decode())

    # An operator does not verify: no proposal count; rejected ones are theirs to propose again.
    assert sambas["rejected"] == 2 and "proposed" not in sambas
    assert sambas["imports_failed"] == 0
    assert pontianak["rejected"] == 5
    assert pontianak["imports_failed"] == 1


def test_a_regency_verifier_cannot_count_another_regencys_proposals(cast: Cast, programme: Programme):
    verifier = make_user("verifikator_pontianak", Role.VERIFIKATOR, "61.71")
    _stages(programme, "61.01.01.2001", {Status.PROPOSED: 3})
    _stages(programme, PONTIANAK_VILLAGE, {Status.PROPOSED: 1})

    body = client_for(verifier).get("/").content.decode()

    assert _counts(body)["proposed"] == 1
    assert 'data-testid="part-proposed"' not in body  # one regency: no breakdown
    assert "Sambas" not in body


def test_finance_sees_draft_and_unpaid_invoices(cast: Cast, programme: Programme):
    for month, status in (
        (1, InvoiceStatus.PAID),
        (2, InvoiceStatus.PARTLY_PAID),
        (3, InvoiceStatus.ISSUED),
        (4, InvoiceStatus.DRAFT),
    ):
        Invoice.objects.create(
            programme=programme,
            month=dt.date(2026, month, 1),
            status=status,
            issued_at=None if status == InvoiceStatus.DRAFT else dt.datetime(2026, month, 5, tzinfo=dt.UTC),
        )

    counts = _counts(client_for(cast["keuangan"]).get("/").content.decode())

    assert counts["invoices_draft"] == 1
    assert counts["invoices_unpaid"] == 2
    assert counts["never_billed"] == 0
    assert "proposed" not in counts


def test_the_regency_office_sees_claims_with_documents_missing(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    other = make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for e in (enrolment, other):
        claim = Claim(
            enrolment=e,
            worker=e.worker,
            programme=programme,
            type=ClaimType.JKM,
            status=ClaimStatus.REPORTED,
            incident_date=dt.date(2026, 2, 20),
            incident_place="Sambas",
            description="-",
            reporter_name="-",
            reported_at=now,
            income=1_000_000,
            covered=True,
            coverage_reason="covered",
            status_changed_at=now,
            village_id=e.village_id,
        )
        claim.stamp_region()
        claim.save()

    counts = _counts(client_for(cast["operator_sambas"]).get("/").content.decode())

    assert counts["claims_documents"] == 1
    assert counts["claims_attention"] == 1  # no step for more than 14 days


def test_leadership_is_told_nothing_waits_and_visitors_see_no_counts(cast: Cast, programme: Programme):
    _stages(programme, "61.01.01.2001", {Status.PROPOSED: 1})
    assert 'data-testid="nothing-waits"' in client_for(cast["pimpinan"]).get("/").content.decode()
    assert 'data-testid="waiting"' not in client_for().get("/").content.decode()


def test_the_start_page_makes_a_fixed_number_of_queries_whatever_waits(
    cast: Cast, programme: Programme, django_assert_max_num_queries
):
    client = client_for(cast["admin_provinsi"])
    client.get("/")
    _stages(programme, "61.01.01.2001", {Status.PROPOSED: 5, Status.VERIFIED: 3, Status.REJECTED: 2})
    _stages(programme, PONTIANAK_VILLAGE, {Status.PROPOSED: 5, Status.SENT: 3})
    with django_assert_max_num_queries(16):
        response = client.get("/")
    assert _counts(response.content.decode())["proposed"] == 10
    assert Enrolment.objects.count() == 18
