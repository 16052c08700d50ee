from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from lindung.accounts.models import Role
from lindung.audit.models import AuditEntry
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.budget import budget_projection, programme_budget
from lindung.contributions.models import Invoice, InvoiceStatus
from lindung.contributions.payments import payment_record
from lindung.enrolments.models import Status
from lindung.numbers import rupiah
from lindung.programmes.models import FunderType, Programme
from lindung.programmes.rates import programme_monthly_contribution
from lindung.testing import PONTIANAK_VILLAGE, Cast, client_for, make_enrolment, make_programme, make_user, make_worker

YEAR_2026 = [dt.date(2026, m, 1) for m in range(1, 13)]


def _months(year: int, first: int, last: int) -> list[dt.date]:
    return [dt.date(year, m, 1) for m in range(first, last + 1)]


def test_worked_example_5000_workers_for_a_year_run_out_in_december_with_no_room_left():
    """Ceiling Rp 1,000,000,000; nothing billed yet; 5,000 workers at Rp 16,800 for 12 months.

    Each month costs 5,000 × 16,800 = Rp 84,000,000. After 11 months: Rp 924,000,000 (within the
    ceiling); after 12: Rp 1,008,000,000 > Rp 1,000,000,000, so the money runs out in month 12
    (December). Left: 1,000,000,000 − 1,008,000,000 = −8,000,000, so the capacity is 0.
    """
    result = budget_projection(
        ceiling=1_000_000_000,
        billed_by_month={},
        active_workers=5_000,
        monthly_amounts_by_month=dict.fromkeys(YEAR_2026, 16_800),
        current_month=dt.date(2026, 1, 1),
    )
    assert result.projected == 1_008_000_000
    assert result.billed == 0
    assert result.months[10].cumulative == 924_000_000
    assert result.runs_out_in == dt.date(2026, 12, 1)
    assert result.left == -8_000_000
    assert result.capacity == 0


def test_worked_example_with_slack_leaves_room_for_1920_more_workers():
    """Ceiling Rp 1,000,000,000; January–June billed for 4,000 workers; 4,000 workers from July.

    Billed: 6 × 4,000 × 16,800 = Rp 403,200,000. Projected July–December: the same, Rp 403,200,000.
    Left: 1,000,000,000 − 806,400,000 = Rp 193,600,000. One more worker for the 6 remaining months
    costs 6 × 16,800 = Rp 100,800, so the capacity is floor(193,600,000 / 100,800) = 1,920
    (1,921 would cost Rp 193,636,800). The money does not run out.
    """
    result = budget_projection(
        ceiling=1_000_000_000,
        billed_by_month=dict.fromkeys(_months(2026, 1, 6), 67_200_000),
        active_workers=4_000,
        monthly_amounts_by_month=dict.fromkeys(_months(2026, 7, 12), 16_800),
        current_month=dt.date(2026, 7, 1),
    )
    assert (result.billed, result.projected, result.left) == (403_200_000, 403_200_000, 193_600_000)
    assert result.capacity == 1_920
    assert result.runs_out_in is None


def test_each_remaining_month_is_priced_at_its_own_rate_and_counted_with_its_own_workers():
    """Two months left: 10 workers at Rp 16,800 in November, 12 at Rp 20,000 in December.

    Projected: 168,000 + 240,000 = 408,000; billed October 150,000; ceiling 700,000 → left 142,000;
    one more worker costs 16,800 + 20,000 = 36,800 → capacity floor(142,000 / 36,800) = 3.
    A month already billed is never projected, even when an amount is given for it.
    """
    result = budget_projection(
        ceiling=700_000,
        billed_by_month={dt.date(2026, 10, 1): 150_000},
        active_workers=999,  # ignored: the per-month counts are given
        monthly_amounts_by_month={dt.date(2026, 10, 1): 1, dt.date(2026, 11, 1): 16_800, dt.date(2026, 12, 1): 20_000},
        workers_by_month={dt.date(2026, 11, 1): 10, dt.date(2026, 12, 1): 12},
        current_month=dt.date(2026, 10, 1),
    )
    assert (result.billed, result.projected, result.left, result.capacity) == (150_000, 408_000, 142_000, 3)
    assert [m.cumulative for m in result.months] == [150_000, 318_000, 558_000]


def test_money_billed_beyond_the_ceiling_this_month_runs_out_in_this_month():
    result = budget_projection(
        ceiling=100_000,
        billed_by_month={dt.date(2026, 1, 1): 60_000, dt.date(2026, 2, 1): 60_000},
        active_workers=0,
        monthly_amounts_by_month={dt.date(2026, 3, 1): 16_800},
        current_month=dt.date(2026, 2, 1),
    )
    assert (result.runs_out_in, result.exceeded_by) == (dt.date(2026, 2, 1), 0)
    assert result.capacity == 0


def test_money_billed_beyond_the_ceiling_in_past_months_is_already_exceeded_not_a_past_run_out_month():
    """In April, January and February (Rp 60,000 each) were billed against a ceiling of Rp 100,000.

    The money ran out in February, a month already past: no run-out month; exceeded by
    120,000 − 100,000 = Rp 20,000. March (past, never billed) is not projected; April and May are:
    2 workers × Rp 16,800 × 2 months = Rp 67,200.
    """
    result = budget_projection(
        ceiling=100_000,
        billed_by_month={dt.date(2026, 1, 1): 60_000, dt.date(2026, 2, 1): 60_000},
        active_workers=2,
        monthly_amounts_by_month=dict.fromkeys(_months(2026, 3, 5), 16_800),
        current_month=dt.date(2026, 4, 1),
    )
    assert (result.runs_out_in, result.exceeded_by) == (None, 20_000)
    assert result.projected == 67_200
    assert [m.month for m in result.months] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), *_months(2026, 4, 5)]
    assert result.capacity == 0


def test_past_months_never_billed_are_not_projected_nor_counted_in_the_capacity():
    """In November: ceiling Rp 1,000,000, nothing billed, 10 workers. Only November and December are projected:
    2 × 10 × 16,800 = 336,000; left 664,000; one more worker costs 2 × 16,800 = 33,600 → capacity 19."""
    result = budget_projection(
        ceiling=1_000_000,
        billed_by_month={},
        active_workers=10,
        monthly_amounts_by_month=dict.fromkeys(YEAR_2026, 16_800),
        current_month=dt.date(2026, 11, 1),
    )
    assert (result.projected, result.left, result.capacity) == (336_000, 664_000, 19)
    assert [m.month for m in result.months] == _months(2026, 11, 12)


def test_past_months_never_billed_are_owed_they_take_their_part_of_the_ceiling_in_their_own_month():
    """In November: ceiling Rp 1,000,000; January to September billed at 100,000 a month except June, never billed
    and owing 100,000 (10 workers × 10,000); October never billed either, owing 100,000. Owed: 200,000, in June and
    October. Billed 800,000 + owed 200,000 = the whole ceiling before November: already exceeded by 0, so the
    money runs out in November with the first projected rupiah; left after projecting November and December:
    1,000,000 − 800,000 − 200,000 − 200,000 = −200,000; no capacity."""
    billed = {m: 100_000 for m in _months(2026, 1, 9) if m.month != 6}
    owed = {dt.date(2026, 6, 1): 100_000, dt.date(2026, 10, 1): 100_000, dt.date(2026, 11, 1): 999_999}
    result = budget_projection(
        ceiling=1_000_000,
        billed_by_month=billed,
        active_workers=10,
        monthly_amounts_by_month=dict.fromkeys(YEAR_2026, 10_000),
        current_month=dt.date(2026, 11, 1),
        never_billed_by_month=owed,
    )
    # November is projected (this month on, a month is a forecast), never counted as owed as well.
    assert (result.billed, result.never_billed, result.projected) == (800_000, 200_000, 200_000)
    assert (result.left, result.capacity, result.exceeded_by) == (-200_000, 0, 0)
    assert result.runs_out_in == dt.date(2026, 11, 1)
    june = next(m for m in result.months if m.month == dt.date(2026, 6, 1))
    assert (june.billed, june.never_billed, june.projected, june.cumulative) == (0, 100_000, 0, 600_000)
    without = budget_projection(
        ceiling=1_000_000,
        billed_by_month=billed,
        active_workers=10,
        monthly_amounts_by_month=dict.fromkeys(YEAR_2026, 10_000),
        current_month=dt.date(2026, 11, 1),
    )
    assert without.left == result.left + 200_000  # the owed months are what the forecast used to miss


# --- from the database and on the page ----------------------------------------------------------

# The day the page is read unless a test says otherwise: in March, the fixture's first month not billed.
MARCH = dt.date(2026, 3, 10)


def _read_on(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """Pin the page's today (``timezone.localdate()`` without a value); a date given to it converts as before."""
    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: day if value is None else real(value, timezone),
    )


@pytest.fixture(autouse=True)
def _in_march(monkeypatch: pytest.MonkeyPatch) -> None:
    _read_on(monkeypatch, MARCH)


@pytest.fixture
def programme(db: None) -> Programme:
    """KALBAR-2026 (province 61), 3 active workers; January and February issued; Rp 60,000 paid."""
    programme = make_programme("KALBAR-2026", budget_ceiling=600_000)
    for village in ("61.01.01.2001", PONTIANAK_VILLAGE, PONTIANAK_VILLAGE):
        make_enrolment(make_worker(village=village), programme, Status.ACTIVE)
    make_enrolment(make_worker(), programme, Status.PROPOSED)  # not covered: never projected
    for month in (1, 2):
        invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, month, 1)))
    invoice_build(actor=None, programme=programme, month=dt.date(2026, 3, 1))  # a draft is not billed
    payment_record(actor=None, programme=programme, paid_on=dt.date(2026, 2, 20), amount=60_000, reference="SP2D 1")
    return programme


def _figures(html: str, testid: str, code: str) -> dict[str, str]:
    start = html.index(f'data-testid="{testid}" data-programme="{code}"')
    tag = html[start : html.index(">", start)]
    pairs = [part.split("=", 1) for part in tag.replace("\n", " ").split() if part.startswith("data-")]
    return {key[5:]: value.strip('"') for key, value in pairs}


def test_finance_sees_the_programme_figures_matching_the_database(cast: Cast, programme: Programme):
    response = client_for(cast["keuangan"]).get("/anggaran/")
    assert response.status_code == 200
    figures = _figures(response.content.decode(), "budget", "KALBAR-2026")
    issued = Invoice.objects.filter(programme=programme).exclude(status=InvoiceStatus.DRAFT)
    billed = sum(issued.values_list("total", flat=True))
    assert billed == 2 * 3 * 16_800
    # March (a draft) to December: 10 months × 3 workers × Rp 16,800.
    projected = 10 * 3 * 16_800
    assert figures == {
        "testid": "budget",
        "programme": "KALBAR-2026",
        "ceiling": "600000",
        "billed": str(billed),
        # Rp 60,000 received: January (50,400) paid in full, 9,600 set against February, which stays unpaid:
        # paid counts the invoices paid in full, the rest received is shown apart (lindung.contributions.headline).
        "paid": "50400",
        "outstanding": str(billed - 50_400),
        "received": "60000",
        "unsettled": "9600",
        "credit": "0",
        "projected": str(projected),
        "left": str(600_000 - billed - projected),
        # 100,800 billed + 50,400 a month passes 600,000 in the 10th projected month: December.
        "runs-out": "2026-12",
        "capacity": "0",  # 600,000 − 100,800 − 504,000 = −4,800: no room, just short
        "exceeded": "0",  # it runs out in December, a month still to come
    }
    assert "Dec 2026" in response.content.decode()


def test_the_what_if_changes_the_run_out_month_and_the_capacity_and_writes_nothing(cast: Cast, programme: Programme):
    audit_before, invoices_before = AuditEntry.objects.count(), list(Invoice.objects.values())
    client = client_for(cast["pimpinan"])
    # The current projection runs out: 100,800 billed + 504,000 projected > 600,000, in December.
    current = _figures(client.get("/anggaran/").content.decode(), "budget", "KALBAR-2026")
    assert current["runs-out"] == "2026-12"

    params = {"programme": str(programme.pk), "ceiling": "300000", "end_month": "", "workers": ""}
    html = client.get("/anggaran/", params).content.decode()
    # Ceiling 300,000: cumulative 100,800 + 50,400 × n passes 300,000 at n = 4, in June.
    assert _figures(html, "what-if-changed", "KALBAR-2026")["runs-out"] == "2026-06"
    assert _figures(html, "what-if-current", "KALBAR-2026")["runs-out"] == "2026-12"

    params = {"programme": str(programme.pk), "ceiling": "1000000", "end_month": "2026-10", "workers": "5"}
    response = client.get("/anggaran/", params)
    changed = _figures(response.content.decode(), "what-if-changed", "KALBAR-2026")
    # March–October: 8 months × 5 workers × 16,800 = 672,000; left 1,000,000 − 100,800 − 672,000 = 227,200;
    # one more worker costs 8 × 16,800 = 134,400 → 1.
    assert (changed["projected"], changed["runs-out"], changed["capacity"]) == ("672000", "", "1")
    assert AuditEntry.objects.count() == audit_before
    assert list(Invoice.objects.values()) == invoices_before
    assert Programme.objects.get(pk=programme.pk).budget_ceiling == 600_000


def test_bad_what_if_input_is_explained_next_to_each_field(cast: Cast, programme: Programme):
    params = {"programme": str(programme.pk), "ceiling": "satu juta", "end_month": "2025-12", "workers": "-3"}
    response = client_for(cast["keuangan"]).get("/anggaran/", params)
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("ceiling", "workers"):
        assert f'data-testid="error-{field}"' in html
    response = client_for(cast["keuangan"]).get("/anggaran/", {"programme": str(programme.pk), "end_month": "2025-12"})
    assert response.status_code == 400
    assert "cannot end before the coverage starts" in response.content.decode()
    assert 'data-testid="what-if"' not in response.content.decode()


@pytest.fixture
def three_funders(programme: Programme) -> dict[str, Programme]:
    pontianak = make_programme(
        "PONTIANAK-2026", funder_type=FunderType.APBD_KABKOTA, region_id="61.71", budget_ceiling=2_000_000
    )
    sambas = make_programme("SAMBAS-CSR-2026", funder_type=FunderType.CSR, region_id="61.01", budget_ceiling=3_000_000)
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), pontianak, Status.ACTIVE)
    return {"province": programme, "pontianak": pontianak, "sambas": sambas}


def test_totals_are_given_per_funder_type(cast: Cast, three_funders: dict[str, Programme]):
    html = client_for(cast["keuangan"]).get("/anggaran/").content.decode()
    assert 'data-testid="funder" data-funder="apbd_provinsi" data-ceiling="600000"' in html
    assert 'data-testid="funder" data-funder="apbd_kabkota" data-ceiling="2000000"' in html
    assert 'data-testid="funder" data-funder="csr" data-ceiling="3000000"' in html


def test_a_pontianak_leader_reads_the_provincial_and_pontianak_budgets_but_not_sambas(
    three_funders: dict[str, Programme],
):
    """Decision: a regency user sees, read-only, the budget of a programme whose region contains theirs."""
    leader = make_user("pim_pontianak", Role.PIMPINAN, "61.71")
    client = client_for(leader)
    html = client.get("/anggaran/").content.decode()
    assert 'data-programme="KALBAR-2026"' in html
    assert 'data-programme="PONTIANAK-2026"' in html
    assert "SAMBAS-CSR-2026" not in html
    # The whole programme's figures, not Pontianak's share of them.
    assert _figures(html, "budget", "KALBAR-2026")["billed"] == str(2 * 3 * 16_800)
    # An out-of-scope programme cannot be chosen for a what-if either.
    response = client.get("/anggaran/", {"programme": str(three_funders["sambas"].pk), "ceiling": "1"})
    assert response.status_code == 400
    assert 'data-testid="error-programme"' in response.content.decode()
    assert "SAMBAS-CSR-2026" not in response.content.decode()


@pytest.mark.parametrize("role", ["keuangan", "pimpinan", "admin_provinsi", "verifikator", "operator_pontianak"])
def test_roles_with_finance_or_dashboard_read_the_page(cast: Cast, programme: Programme, role: str):
    assert client_for(cast[role]).get("/anggaran/").status_code == 200


def test_an_account_without_finance_or_dashboard_gets_403(programme: Programme):
    # Every role has DASHBOARD_VIEW today; an account with no role has neither action.
    assert client_for(make_user("tanpa_peran", "", "61")).get("/anggaran/").status_code == 403


def test_the_page_needs_a_login(db: None):
    response = Client().get("/anggaran/")
    assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_the_figures_take_a_fixed_number_of_queries_whatever_the_enrolments(programme: Programme):
    with CaptureQueriesContext(connection) as small:
        programme_budget(programme, today=MARCH)
    for _ in range(20):
        make_enrolment(make_worker(), programme, Status.ACTIVE)
    with CaptureQueriesContext(connection) as large:
        budget = programme_budget(programme, today=MARCH)
    assert budget.projection.projected == 10 * 23 * 16_800
    # 4 aggregates, billed, paid and outstanding from their selectors (3, on the invoices), the months never billed
    # (1, the nightly summary; 1 more for the issued months when there are any) + one rule look-up per remaining
    # month (10: March–December).
    assert len(small.captured_queries) == len(large.captured_queries) <= 4 + 3 + 1 + 10


def test_the_page_takes_a_bounded_number_of_queries(cast: Cast, three_funders: dict[str, Programme]):
    client = client_for(cast["keuangan"])
    client.get("/anggaran/")  # warm up the session and the user
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/anggaran/").status_code == 200
    # Session and user (2), the programmes (1), the what-if's running programmes (1), then at most 4 + 3 (billed,
    # paid, outstanding) + 1 (the months never billed) + 12 per programme.
    assert len(queries.captured_queries) <= 4 + 3 * (4 + 3 + 1 + 12)


# --- never into the past (issue 14, item 5) ------------------------------------------------------

DECEMBER = dt.date(2026, 12, 5)  # the last month of the fixture's period


def _section(html: str, testid: str, code: str) -> str:
    start = html.index(f'data-testid="{testid}" data-programme="{code}"')
    return html[start : html.index("</section>", start)]


def _issued_total(programme: Programme) -> int:
    return sum(
        Invoice.objects.filter(programme=programme).exclude(status=InvoiceStatus.DRAFT).values_list("total", flat=True)
    )


@pytest.mark.parametrize(
    ("language", "sentence"), [("en", "The budget is already exceeded by"), ("id", "Anggaran sudah terlampaui sebesar")]
)
def test_a_what_if_whose_money_ran_out_in_a_past_month_says_it_is_already_exceeded_and_shows_no_past_month(
    cast: Cast, programme: Programme, monkeypatch: pytest.MonkeyPatch, language: str, sentence: str
):
    """In December a ceiling below what January and February billed ran out in January: a month past."""
    _read_on(monkeypatch, DECEMBER)
    billed = _issued_total(programme)
    ceiling = billed // 2  # passed by January's invoice alone
    params = {"programme": str(programme.pk), "ceiling": str(ceiling), "end_month": "", "workers": ""}
    response = client_for(cast["keuangan"], language).get("/anggaran/", params)
    assert response.status_code == 200
    html = response.content.decode()
    changed = _figures(html, "what-if-changed", "KALBAR-2026")
    assert changed["runs-out"] == ""
    assert changed["exceeded"] == str(billed - ceiling)
    section = _section(html, "what-if-changed", "KALBAR-2026")
    assert f"{sentence} {rupiah(billed - ceiling)}" in section
    with translation.override(language):
        past = [date_format(dt.date(2026, m, 1), "F Y") for m in range(2, 12)]
    # The period line names January and December; no month in between may appear (no run-out in the past).
    assert not [month for month in past if month in section]
    # The current figures of the same programme do not run out: nothing is exceeded there.
    assert _figures(html, "what-if-current", "KALBAR-2026")["exceeded"] == "0"


def test_capacity_in_the_last_month_of_the_period_counts_only_that_month(
    cast: Cast, programme: Programme, monkeypatch: pytest.MonkeyPatch
):
    """In December, the period's last month, only December is projected and only December prices the capacity,
    though February to November were never billed (the issue's example: 100,000 workers, Rp 5,000,000,000)."""
    _read_on(monkeypatch, DECEMBER)
    billed = _issued_total(programme)
    december = programme_monthly_contribution(programme, dt.date(2026, 12, 1)).total
    active = programme.enrolments.filter(status=Status.ACTIVE).count()
    client = client_for(cast["keuangan"])

    current = _figures(client.get("/anggaran/").content.decode(), "budget", "KALBAR-2026")
    left = programme.budget_ceiling - billed - active * december
    assert (current["projected"], current["left"]) == (str(active * december), str(left))
    assert current["capacity"] == str(left // december)
    assert (current["runs-out"], current["exceeded"]) == ("", "0")

    ceiling, workers = 5_000_000_000, 100_000
    params = {"programme": str(programme.pk), "ceiling": str(ceiling), "end_month": "", "workers": str(workers)}
    html = client.get("/anggaran/", params).content.decode()
    changed = _figures(html, "what-if-changed", "KALBAR-2026")
    left = ceiling - billed - workers * december
    assert changed["projected"] == str(workers * december)
    assert (changed["capacity"], changed["runs-out"], changed["exceeded"]) == (str(left // december), "", "0")
    assert "April 2026" not in html


def test_an_ended_programme_shows_its_final_account_only(
    cast: Cast, programme: Programme, monkeypatch: pytest.MonkeyPatch
):
    """In January 2027 the 2026 programme has ended: billed, paid, outstanding and unused; nothing projected."""
    day = dt.date(2027, 1, 15)
    _read_on(monkeypatch, day)
    billed = _issued_total(programme)
    budget = programme_budget(programme, today=day)
    assert budget.ended
    assert (budget.projection.projected, budget.projection.capacity, budget.projection.runs_out_in) == (0, 0, None)
    client = client_for(cast["keuangan"])

    html = client.get("/anggaran/").content.decode()
    figures = _figures(html, "budget", "KALBAR-2026")
    assert figures == {
        "testid": "budget",
        "programme": "KALBAR-2026",
        "ceiling": str(programme.budget_ceiling),
        "billed": str(billed),
        "paid": "50400",
        "outstanding": str(billed - 50_400),
        "received": "60000",
        "unsettled": "9600",
        "credit": "0",
        "ended": "true",
        "unused": str(programme.budget_ceiling - billed),
        "exceeded": "0",
    }
    section = _section(html, "budget", "KALBAR-2026")
    assert "Unused" in section and 'data-testid="budget-ended"' in section
    for absent in ("Projected", "Left after projection", "Money runs out in", "Room for more workers"):
        assert absent not in section
    # No what-if: the programme is not offered, and asking for it by its id is refused next to the field.
    assert f'<option value="{programme.pk}"' not in html
    response = client.get("/anggaran/", {"programme": str(programme.pk), "workers": "10"})
    assert response.status_code == 400
    assert 'data-testid="error-programme"' in response.content.decode()
    assert 'data-testid="what-if"' not in response.content.decode()


def test_a_what_if_period_cannot_end_before_this_month(
    cast: Cast, programme: Programme, monkeypatch: pytest.MonkeyPatch
):
    _read_on(monkeypatch, DECEMBER)
    response = client_for(cast["keuangan"]).get("/anggaran/", {"programme": str(programme.pk), "end_month": "2026-11"})
    assert response.status_code == 400
    assert "cannot end before this month" in response.content.decode()


def test_the_page_counts_the_months_never_billed_as_owed(cast: Cast, programme: Programme, monkeypatch):
    """On 20 May: March (a draft) and April were never billed and are due; the nightly run counted them. The
    budget owes them against the ceiling and says so; the forecast starts in May."""
    from lindung.contributions.coverage import coverage_update

    may = dt.date(2026, 5, 20)
    _read_on(monkeypatch, may)
    coverage_update(today=may)
    owed = sum(3 * programme_monthly_contribution(programme, dt.date(2026, m, 1)).total for m in (3, 4))
    budget = programme_budget(programme, today=may)
    assert budget.never_billed == owed > 0
    assert budget.projection.left == programme.budget_ceiling - budget.billed - owed - budget.projection.projected
    assert min(m.month for m in budget.projection.months if m.projected) == dt.date(2026, 5, 1)
    html = client_for(cast["keuangan"]).get(f"/anggaran/?programme={programme.pk}").content.decode()
    assert f'data-testid="never-billed-owed"><strong class="bad">{rupiah(owed)}</strong>' in html
