"""``/api/v1/coverage`` and ``/api/v1/figures`` through HTTP with real tokens: a person's cover on a day (the
claim's rule, audited), the dashboard's headline figures equal to what the dashboard's selector gives, refusals
with their field, tokens without the scope, and a Sambas client that neither finds Pontianak's people nor counts
them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lindung.api.tests.money_support import (
    TwoRegencies,
    api_caller,
    entries_after,
    issued,
    last_entry,
    problem_fields,
    two_regencies,
)
from lindung.contributions.headline import FIGURE_KEYS
from lindung.contributions.payments import payment_record
from lindung.dashboard.filters import dashboard_filters_from
from lindung.dashboard.selectors import dashboard_figures
from lindung.dashboard.services import dashboard_refresh
from lindung.enrolments.models import Status
from lindung.programmes.models import Programme
from lindung.testing import PONTIANAK_VILLAGE, SAMBAS_VILLAGE, make_enrolment, make_nik, make_programme, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def regencies() -> TwoRegencies:
    found = two_regencies()
    january = issued(found.sambas, 1)
    payment_record(actor=None, programme=found.sambas, paid_on=january.month, amount=january.total, reference="SP2D")
    return found


@pytest.fixture
def province(regencies: TwoRegencies) -> Programme:
    """KALBAR-2026, the province's programme: one active worker in Sambas, one in Pontianak, one proposed in
    Sambas; then the dashboard's summary is rebuilt."""
    kalbar = make_programme("KALBAR-2026", target_workers=1_000)
    make_enrolment(make_worker(village=SAMBAS_VILLAGE, name="Dewi Sambas"), kalbar, Status.ACTIVE)
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE, name="Rudi Pontianak"), kalbar, Status.ACTIVE)
    make_enrolment(make_worker(village=SAMBAS_VILLAGE, name="Yanto Sambas"), kalbar, Status.PROPOSED)
    dashboard_refresh()
    return kalbar


# --- coverage -------------------------------------------------------------------------------------------------


def test_a_person_covered_on_a_day_and_not_before_their_cover_started(regencies):
    caller = api_caller("61.01", "registry.read")
    worker = regencies.sambas_enrolments[0].worker
    mark = last_entry()

    covered = caller.get("/api/v1/coverage", {"nik": worker.nik, "date": "2026-01-15"})
    assert covered.status_code == 200, covered.content
    body = covered.json()
    assert body["covered"] is True and body["date"] == "2026-01-15"
    assert body["nik_masked"] != worker.nik and "*" in body["nik_masked"]
    [enrolment] = body["enrolments"]
    assert enrolment["enrolment_id"] == regencies.sambas_enrolments[0].pk and enrolment["programme"] == "SAMBAS-2026"
    assert enrolment["reason"] == "covered" and enrolment["paid_through"] == "2026-01-01"
    assert enrolment["months_paid"] == 1 and enrolment["message"].startswith("Covered on")

    before = caller.get("/api/v1/coverage", {"nik": worker.nik, "date": "2025-12-15"})
    assert before.status_code == 200 and before.json()["covered"] is False
    assert before.json()["enrolments"][0]["reason"] == "before_start"

    entries = entries_after(mark, "coverage.checked")
    assert len(entries) == 2 and all(e.object_id == str(worker.pk) for e in entries)
    assert all(e.channel == caller.principal and e.actor == caller.user for e in entries)
    assert not any(worker.nik in str(e.changes) + e.note for e in entries)


def test_coverage_is_refused_with_the_field(regencies):
    caller = api_caller("61.01", "claims")
    worker = regencies.sambas_enrolments[0].worker
    for query, field in (
        ({"nik": "123", "date": "2026-01-15"}, "nik"),
        ({"nik": worker.nik, "date": "2026-02-30"}, "date"),
        ({"nik": worker.nik, "date": "1999-12-31"}, "date"),
        ({"nik": worker.nik}, "date"),
    ):
        answer = caller.get("/api/v1/coverage", query)
        assert answer.status_code == 422 and problem_fields(answer) == [field], query
    # A day no rule of arrears is in force on (the rule file starts in July 2015).
    old = make_enrolment(make_worker(), make_programme("LAMA-2010", year=2010, region_id="61.01"), Status.ACTIVE)
    answer = caller.get("/api/v1/coverage", {"nik": old.worker.nik, "date": "2010-03-01"})
    assert answer.status_code == 422 and problem_fields(answer) == ["date"]


def test_a_sambas_client_does_not_find_a_person_of_pontianak(regencies):
    caller = api_caller("61.01", "claims")
    theirs = regencies.pontianak_enrolments[0].worker.nik
    nobody = make_nik(district="61.71.01")
    mark = last_entry()
    hidden = caller.get("/api/v1/coverage", {"nik": theirs, "date": "2026-01-15"})
    unknown = caller.get("/api/v1/coverage", {"nik": nobody, "date": "2026-01-15"})
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.content == unknown.content  # nothing tells a hidden person from nobody
    assert entries_after(mark, "coverage.checked") == []
    # Their own city's system finds them.
    pontianak = api_caller("61.71", "claims")
    assert pontianak.get("/api/v1/coverage", {"nik": theirs, "date": "2026-01-15"}).status_code == 200


def test_coverage_needs_a_scope_that_reads_claims(regencies):
    finance = api_caller("61.01", "finance", "figures")
    worker = regencies.sambas_enrolments[0].worker
    answer = finance.get("/api/v1/coverage", {"nik": worker.nik, "date": "2026-01-15"})
    assert answer.status_code == 403


# --- figures --------------------------------------------------------------------------------------------------


def _dashboard(caller, **query: str) -> dict[str, int | None]:
    """What the dashboard page shows for these filters, from its own selector."""
    found = dashboard_figures(caller.user, dashboard_filters_from(caller.user, query), today=timezone.localdate())
    return found.headline.as_dict()


def _figures(answer) -> dict[str, int | None]:
    assert answer.status_code == 200, answer.content
    return {row["key"]: row["value"] for row in answer.json()["figures"]}


def test_the_figures_are_the_dashboards(regencies, province):
    caller = api_caller("61.01", "figures")
    answer = caller.get("/api/v1/figures")
    figures = _figures(answer)
    assert figures == _dashboard(caller) and list(figures) == list(FIGURE_KEYS)
    body = answer.json()
    assert body["region"] == "61.01" and body["as_of_day"] == timezone.localdate().isoformat()
    assert body["stale"] is False
    # Sambas's own programme (2 active) and the province's Sambas rows (1 active, 1 proposed).
    assert figures["covered"] == 3 and figures["in_process"] == 1
    assert figures["billed"] == figures["paid"] == issued_total(regencies)
    assert {p["code"] for p in body["programmes"]} == {"SAMBAS-2026", "KALBAR-2026"}
    by_code = {p["code"]: p["figures"] for p in body["programmes"]}
    assert by_code["KALBAR-2026"]["covered"] == 1 and by_code["SAMBAS-2026"]["covered"] == 2

    one = caller.get("/api/v1/figures", {"programme": province.pk})
    assert _figures(one) == _dashboard(caller, programme=str(province.pk))
    assert _figures(one)["covered"] == 1

    village = caller.get("/api/v1/figures", {"region": SAMBAS_VILLAGE})
    assert _figures(village) == _dashboard(caller, region=SAMBAS_VILLAGE)
    assert village.json()["region"] == SAMBAS_VILLAGE


def issued_total(regencies: TwoRegencies) -> int:
    return sum(invoice.total for invoice in regencies.sambas.invoices.all())


def test_the_figures_of_sambas_count_nothing_of_pontianak(regencies, province):
    sambas = api_caller("61.01", "figures")
    pontianak = api_caller("61.71", "figures")
    ours, theirs = _figures(sambas.get("/api/v1/figures")), _figures(pontianak.get("/api/v1/figures"))
    assert theirs["covered"] == 2  # Pontianak's own worker and the province's Pontianak worker
    assert ours["covered"] == 3
    province_wide = api_caller("61", "figures")
    assert _figures(province_wide.get("/api/v1/figures"))["covered"] == ours["covered"] + theirs["covered"]

    region = sambas.get("/api/v1/figures", {"region": "61.71"})
    assert region.status_code == 422 and problem_fields(region) == ["region"]
    programme = sambas.get("/api/v1/figures", {"programme": regencies.pontianak.pk})
    assert programme.status_code == 422 and problem_fields(programme) == ["programme"]
    # A region or programme that does not exist is refused alike: the refusal does not confirm one exists.
    assert sambas.get("/api/v1/figures", {"region": "61.99"}).json()["detail"] == region.json()["detail"]
    assert sambas.get("/api/v1/figures", {"programme": 999_999}).json()["detail"] == programme.json()["detail"]


def test_figures_need_the_figures_scope(regencies):
    caller = api_caller("61.01", "finance", "claims", "registry.read")
    answer = caller.get("/api/v1/figures")
    assert answer.status_code == 403
    malformed = api_caller("61.01", "figures").get("/api/v1/figures", {"region": "sambas"})
    assert malformed.status_code == 422 and problem_fields(malformed) == ["region"]
