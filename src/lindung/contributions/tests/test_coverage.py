from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lindung.accounts.models import Role
from lindung.audit.models import AuditEntry
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.coverage import coverage_update
from lindung.contributions.models import CoverageStatus, Invoice, InvoiceStatus
from lindung.contributions.payments import payment_record
from lindung.contributions.tasks import coverage_update_task
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import PONTIANAK_VILLAGE, Cast, client_for, make_enrolment, make_user, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(programme: Programme) -> Enrolment:
    return make_enrolment(make_worker(), programme, Status.ACTIVE)


def _issue(programme: Programme, *months: int) -> list[Invoice]:
    return [
        invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, m, 1)))
        for m in months
    ]


def _pay(programme: Programme, amount: int) -> None:
    payment_record(actor=None, programme=programme, paid_on=dt.date(2026, 1, 5), amount=amount, reference="SP2D-1")


def _status(enrolment: Enrolment, today: dt.date) -> CoverageStatus:
    coverage_update(today=today)
    return CoverageStatus.objects.get(enrolment=enrolment)


def test_a_paid_a_partly_paid_and_an_unpaid_month_give_two_months_in_arrears(
    programme: Programme, enrolment: Enrolment
):
    january = _issue(programme, 1, 2, 3)[0]
    _pay(programme, january.total)
    _pay(programme, 1_000)  # pays part of February: its month stays unpaid
    statuses = {i.month.month: i.status for i in Invoice.objects.all()}
    assert statuses == {1: InvoiceStatus.PAID, 2: InvoiceStatus.PARTLY_PAID, 3: InvoiceStatus.ISSUED}
    status = _status(enrolment, dt.date(2026, 5, 1))
    assert (status.months_billed, status.months_paid) == (3, 1)
    assert status.months_in_arrears == 2
    assert status.consecutive_unpaid == 2
    assert status.paid_through == dt.date(2026, 1, 1)
    assert (status.province_code, status.regency_code) == ("61", "61.01")


def test_paid_through_stops_before_the_first_unpaid_month(programme: Programme, enrolment: Enrolment):
    january, february, march = _issue(programme, 1, 2, 3)
    payment_record(
        actor=None,
        programme=programme,
        paid_on=dt.date(2026, 3, 1),
        amount=february.total + march.total,
        reference="SP2D-2",
        allocations=[(february, february.total), (march, march.total)],
    )
    status = _status(enrolment, dt.date(2026, 5, 1))
    assert status.paid_through is None  # January, the first month, is unpaid
    assert (status.months_paid, status.months_in_arrears) == (2, 1)
    _pay(programme, january.total)
    assert _status(enrolment, dt.date(2026, 5, 1)).paid_through == dt.date(2026, 3, 1)


def test_a_month_is_in_arrears_from_the_day_after_its_due_day(programme: Programme, enrolment: Enrolment):
    _issue(programme, 1)  # January's due date: 10 February
    assert _status(enrolment, dt.date(2026, 2, 9)).months_in_arrears == 0
    assert _status(enrolment, dt.date(2026, 2, 10)).months_in_arrears == 0
    assert _status(enrolment, dt.date(2026, 2, 11)).months_in_arrears == 1


def test_the_due_day_comes_from_the_setting(programme: Programme, enrolment: Enrolment, settings):
    settings.LINDUNG_CONTRIBUTION_DUE_DAY = 20
    _issue(programme, 1)
    assert _status(enrolment, dt.date(2026, 2, 20)).months_in_arrears == 0
    assert _status(enrolment, dt.date(2026, 2, 21)).months_in_arrears == 1


def test_a_draft_invoice_bills_nobody_so_its_month_is_due_and_never_billed(programme: Programme, enrolment: Enrolment):
    # Issue 14: this test said "a draft puts nobody in arrears" (no status row). A draft still bills nothing,
    # but a month is owed from the day coverage starts: on 1 June January to April are due and never billed.
    invoice_build(actor=None, programme=programme, month=dt.date(2026, 1, 1))
    run = coverage_update(today=dt.date(2026, 6, 1))
    status = CoverageStatus.objects.get(enrolment=enrolment)
    assert (status.months_billed, status.months_paid) == (0, 0)
    assert status.months_never_billed == status.months_in_arrears > 0
    assert run.lapsed == 1  # four months owing, more than the window of three


def test_exactly_three_unpaid_months_past_due_do_not_end_the_enrolment(programme: Programme, enrolment: Enrolment):
    january, *_rest = _issue(programme, 1, 2, 3, 4, 5)
    _pay(programme, january.total)
    # 10 June: February-April are past due, May is due today.
    run = coverage_update(today=dt.date(2026, 6, 10))
    enrolment.refresh_from_db()
    assert run.lapsed == 0
    assert enrolment.status == Status.ACTIVE
    assert CoverageStatus.objects.get(enrolment=enrolment).consecutive_unpaid == 3
    assert not AuditEntry.objects.filter(action="enrolment.lapsed").exists()


def test_more_than_three_unpaid_months_end_the_enrolment_as_lapsed_after_the_paid_month(
    programme: Programme, enrolment: Enrolment
):
    january, *_rest = _issue(programme, 1, 2, 3, 4, 5)
    _pay(programme, january.total)
    run = coverage_update(today=dt.date(2026, 6, 11))
    enrolment.refresh_from_db()
    assert run.lapsed == 1
    assert (enrolment.status, enrolment.end_reason) == (Status.ENDED, EndReason.LAPSED)
    assert enrolment.coverage_end == dt.date(2026, 1, 31)
    entry = AuditEntry.objects.get(action="enrolment.lapsed")
    assert entry.object_id == str(enrolment.pk)
    assert entry.region_code == enrolment.village_id
    assert entry.changes == {
        "status": ["aktif", "berakhir"],
        "end_reason": ["", "lapsed"],
        "coverage_end": [None, "2026-01-31"],
    }


def test_a_lapsed_enrolment_with_nothing_paid_ends_on_its_first_day(programme: Programme, enrolment: Enrolment):
    _issue(programme, 1, 2, 3, 4)
    coverage_update(today=dt.date(2026, 5, 11))
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ENDED
    assert enrolment.coverage_end == enrolment.coverage_start == dt.date(2026, 1, 1)


def test_a_never_billed_month_counts_into_arrears_and_lapse_once_past_the_window(
    programme: Programme, enrolment: Enrolment
):
    january = _issue(programme, 1)[0]
    _pay(programme, january.total)
    # February to May never billed. 10 June: February to April are overdue, May is due today.
    coverage_update(today=dt.date(2026, 6, 10))
    status = CoverageStatus.objects.get(enrolment=enrolment)
    assert (status.months_in_arrears, status.consecutive_unpaid, status.months_never_billed) == (3, 3, 3)
    assert status.paid_through == dt.date(2026, 1, 1)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ACTIVE
    run = coverage_update(today=dt.date(2026, 6, 11))
    enrolment.refresh_from_db()
    assert run.lapsed == 1
    assert (enrolment.status, enrolment.end_reason, enrolment.coverage_end) == (
        Status.ENDED,
        EndReason.LAPSED,
        dt.date(2026, 1, 31),
    )


def test_a_back_dated_activation_is_not_in_arrears_the_day_it_is_activated(cast: Cast, programme: Programme):
    from lindung.enrolments.services import enrolment_activate

    sent = make_enrolment(make_worker(), programme, Status.SENT)
    activated = enrolment_activate(
        actor=cast["petugas_bpjs"],
        enrolment=sent,
        kpj="12345678901",
        coverage_start=dt.date(2026, 1, 1),
        today=dt.date(2026, 5, 20),
    )
    # The same months with no activation day recorded: January to April were due long ago.
    unknown = make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme, Status.ACTIVE, activated_on=None)
    run = coverage_update(today=dt.date(2026, 5, 20))
    status = CoverageStatus.objects.get(enrolment=activated)
    assert (status.months_in_arrears, status.months_never_billed, status.consecutive_unpaid) == (0, 0, 0)
    assert CoverageStatus.objects.get(enrolment=unknown).months_never_billed == 1  # lapsed: only January is left
    assert run.lapsed == 1
    assert Enrolment.objects.get(pk=activated.pk).status == Status.ACTIVE
    # Nobody billed them by 10 June, May's due date: on 11 June January to May are owing, more than three.
    assert coverage_update(today=dt.date(2026, 6, 11)).lapsed == 1


def test_running_the_job_twice_changes_nothing_more(programme: Programme, enrolment: Enrolment):
    other = make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    _issue(programme, 1, 2, 3, 4)
    today = dt.date(2026, 5, 11)
    first = coverage_update(today=today)
    rows = list(CoverageStatus.objects.order_by("pk").values_list("pk", "paid_through", "months_in_arrears"))
    second = coverage_update(today=today)
    assert (first.lapsed, second.lapsed) == (2, 0)
    assert list(CoverageStatus.objects.order_by("pk").values_list("pk", "paid_through", "months_in_arrears")) == rows
    assert AuditEntry.objects.filter(action="enrolment.lapsed").count() == 2
    assert set(Enrolment.objects.values_list("pk", "status")) == {
        (enrolment.pk, Status.ENDED),
        (other.pk, Status.ENDED),
    }


def test_the_command_prints_a_json_summary(programme: Programme, enrolment: Enrolment):
    _issue(programme, 1, 2)
    out = StringIO()
    call_command("coverage", "update", "--today", "2026-04-01", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["today"] == "2026-04-01"
    assert summary["arrears_window"] == 3
    assert summary["in_arrears"] == {"1": 0, "2": 1, "3+": 0}
    assert summary["lapsed"] == 0


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError):
        call_command("coverage", "update", "--today", "2026-13-01", "--lang", "en")


def test_the_task_runs_the_same_job(programme: Programme, enrolment: Enrolment):
    _issue(programme, 1)
    result = coverage_update_task.call(today="2026-03-01")
    assert result["in_arrears"]["1"] == 1
    assert CoverageStatus.objects.get(enrolment=enrolment).months_in_arrears == 1


@pytest.fixture
def arrears(programme: Programme) -> dict[str, Enrolment]:
    """A Sambas and a Pontianak worker, two months in arrears on 1 April 2026."""
    enrolments = {
        "sambas": make_enrolment(make_worker(name="Ani Sambas"), programme, Status.ACTIVE),
        "pontianak": make_enrolment(make_worker(village=PONTIANAK_VILLAGE, name="Budi Kota"), programme, Status.ACTIVE),
    }
    _issue(programme, 1, 2)
    coverage_update(today=dt.date(2026, 4, 1))
    return enrolments


def test_finance_sees_the_whole_province_with_masked_niks(cast: Cast, arrears: dict[str, Enrolment]):
    response = client_for(cast["keuangan"]).get("/iuran/berisiko/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-regency="61.01" data-one="0" data-two="1" data-three="0"' in html
    assert 'data-regency="61.71" data-one="0" data-two="1" data-three="0"' in html
    for enrolment in arrears.values():
        assert f'data-enrolment="{enrolment.pk}" data-arrears="2"' in html
        nik = enrolment.worker.nik
        assert nik not in html
        assert f"{nik[:4]}******{nik[-6:]}" in html


def test_a_pontianak_leader_sees_only_pontianak(arrears: dict[str, Enrolment]):
    leader = make_user("pim_pontianak", Role.PIMPINAN, "61.71")
    html = client_for(leader).get("/iuran/berisiko/").content.decode()
    assert f'data-enrolment="{arrears["pontianak"].pk}"' in html
    assert f'data-enrolment="{arrears["sambas"].pk}"' not in html
    assert 'data-regency="61.01"' not in html
    assert "Ani Sambas" not in html


def test_a_sambas_village_officer_sees_only_the_village(cast: Cast, arrears: dict[str, Enrolment]):
    html = client_for(cast["operator_desa"]).get("/iuran/berisiko/").content.decode()
    assert f'data-enrolment="{arrears["sambas"].pk}"' in html
    assert f'data-enrolment="{arrears["pontianak"].pk}"' not in html


def test_the_page_needs_a_login_and_a_role_that_reads_figures(arrears: dict[str, Enrolment]):
    assert Client().get("/iuran/berisiko/").status_code == 302
    nobody = make_user("tanpa_peran", "", "61")
    assert client_for(nobody).get("/iuran/berisiko/").status_code == 403


def test_the_page_query_count_does_not_grow_with_the_workers(cast: Cast, programme: Programme):
    for _ in range(2):
        make_enrolment(make_worker(), programme, Status.ACTIVE)
    _issue(programme, 1)
    client = client_for(cast["keuangan"])
    coverage_update(today=dt.date(2026, 3, 1))
    with CaptureQueriesContext(connection) as few:
        assert client.get("/iuran/berisiko/").status_code == 200
    for _ in range(6):
        make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    _issue(programme, 2)
    coverage_update(today=dt.date(2026, 4, 1))
    with CaptureQueriesContext(connection) as many:
        html = client.get("/iuran/berisiko/").content.decode()
    assert html.count('data-testid="worker"') == 8
    assert len(many) == len(few) <= 10, [q["sql"] for q in many.captured_queries]
