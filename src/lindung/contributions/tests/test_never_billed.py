"""Contributions due and never billed as their own figure (``never_billed``), and where the pages show it."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.db.models import Sum

from lindung.accounts.models import Role
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.coverage import coverage_update
from lindung.contributions.models import Invoice, InvoiceStatus, NeverBilledMonth
from lindung.contributions.never_billed import never_billed, with_bill_links
from lindung.enrolments.models import Status
from lindung.programmes.models import FunderType, Programme
from lindung.programmes.rates import programme_monthly_contribution
from lindung.testing import (
    PONTIANAK_VILLAGE,
    SAMBAS_VILLAGE,
    Cast,
    client_for,
    make_enrolment,
    make_programme,
    make_user,
    make_worker,
)

pytestmark = pytest.mark.django_db

DAY = dt.date
TODAY = DAY(2026, 4, 20)  # February (due 10 March) and March (due 10 April) are overdue
OTHER_SAMBAS_VILLAGE = "61.01.02.2001"


def _bill(programme: Programme, *months: int, paid: bool = True) -> None:
    for month in months:
        invoice = invoice_issue(
            actor=None, invoice=invoice_build(actor=None, programme=programme, month=DAY(2026, month, 1))
        )
        if paid:
            Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.PAID)


@pytest.fixture
def world(db: None) -> dict[str, Programme]:
    """KALBAR-2026: two Sambas workers and one of Pontianak, January and March billed and paid, February never.
    PONTIANAK-2026 (the city's own budget, with JHT): one worker, nothing billed since January."""
    kalbar = make_programme("KALBAR-2026")
    for village in (SAMBAS_VILLAGE, OTHER_SAMBAS_VILLAGE, PONTIANAK_VILLAGE):
        make_enrolment(make_worker(village=village), kalbar, Status.ACTIVE)
    _bill(kalbar, 1, 3)
    city = make_programme(
        "PONTIANAK-2026",
        region_id="61.71",
        funder_type=FunderType.APBD_KABKOTA,
        funder_name="Pemerintah Kota Pontianak",
        includes_jht=True,
    )
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), city, Status.ACTIVE)
    _bill(city, 1)
    coverage_update(today=TODAY)
    return {"kalbar": kalbar, "city": city}


def _price(programme: Programme, month: int) -> int:
    return programme_monthly_contribution(programme, DAY(2026, month, 1)).total


def test_the_figure_names_the_months_the_workers_and_the_amount_at_the_billing_price(world):
    kalbar, city = world["kalbar"], world["city"]
    figure = never_billed([kalbar, city])
    rows = [(r.programme.code, r.month, r.workers, r.amount) for r in figure.rows]
    assert rows == [
        ("KALBAR-2026", DAY(2026, 2, 1), 3, 3 * _price(kalbar, 2)),
        ("PONTIANAK-2026", DAY(2026, 2, 1), 1, _price(city, 2)),
        ("PONTIANAK-2026", DAY(2026, 3, 1), 1, _price(city, 3)),
    ]
    assert _price(city, 2) != _price(kalbar, 2)  # JHT: the programme's own price
    # A month counts once per programme (the headline figure never_billed_months): February of each, and March.
    assert (figure.months, figure.worker_months) == (3, 5)
    assert figure.amount == 3 * _price(kalbar, 2) + _price(city, 2) + _price(city, 3)
    # The summary table holds it per village.
    assert set(
        NeverBilledMonth.objects.values_list("programme__code", "village_id", "district_code", "month", "workers")
    ) == {
        ("KALBAR-2026", SAMBAS_VILLAGE, "61.01.01", DAY(2026, 2, 1), 1),
        ("KALBAR-2026", OTHER_SAMBAS_VILLAGE, "61.01.02", DAY(2026, 2, 1), 1),
        ("KALBAR-2026", PONTIANAK_VILLAGE, "61.71.01", DAY(2026, 2, 1), 1),
        ("PONTIANAK-2026", PONTIANAK_VILLAGE, "61.71.01", DAY(2026, 2, 1), 1),
        ("PONTIANAK-2026", PONTIANAK_VILLAGE, "61.71.01", DAY(2026, 3, 1), 1),
    }
    per_regency = NeverBilledMonth.objects.values("programme__code", "regency_code", "month").annotate(n=Sum("workers"))
    assert {(r["programme__code"], r["regency_code"], r["month"], r["n"]) for r in per_regency} == {
        ("KALBAR-2026", "61.01", DAY(2026, 2, 1), 2),
        ("KALBAR-2026", "61.71", DAY(2026, 2, 1), 1),
        ("PONTIANAK-2026", "61.71", DAY(2026, 2, 1), 1),
        ("PONTIANAK-2026", "61.71", DAY(2026, 3, 1), 1),
    }


def test_the_region_filter_counts_the_regions_rows_down_to_a_village(world):
    programmes = [world["kalbar"], world["city"]]
    by_region = {
        code: (f.months, f.worker_months)
        for code in ("61", "61.01", "61.71", "61.01.02", SAMBAS_VILLAGE, "62")
        for f in [never_billed(programmes, region_code=code)]
    }
    assert by_region == {
        "61": (3, 5),
        "61.01": (1, 2),
        "61.71": (3, 3),
        "61.01.02": (1, 1),
        SAMBAS_VILLAGE: (1, 1),
        "62": (0, 0),
    }
    assert never_billed([world["kalbar"]], region_code="61.71").worker_months == 1


def test_a_month_whose_invoice_was_issued_without_a_worker_is_billed_through_the_next_invoices_corrections(world):
    kalbar = world["kalbar"]
    # Activated on 22 April, back-dated to February: March was issued without this worker.
    make_enrolment(make_worker(), kalbar, Status.ACTIVE, coverage_start=DAY(2026, 2, 1), activated_on=DAY(2026, 4, 22))
    coverage_update(today=DAY(2026, 5, 11))  # the late worker's February to April fell due on 10 May
    months = {r.month: r for r in never_billed([kalbar]).rows}
    assert sorted(months) == [DAY(2026, 2, 1), DAY(2026, 3, 1), DAY(2026, 4, 1)]
    february, march, april = months.values()
    assert (february.workers, february.bill_month, february.by_correction) == (4, DAY(2026, 2, 1), False)
    assert (march.workers, march.bill_month, march.by_correction) == (1, DAY(2026, 4, 1), True)
    assert (april.workers, april.bill_month, april.by_correction) == (4, DAY(2026, 4, 1), False)


def test_only_a_user_who_may_bill_the_programme_gets_the_link(cast: Cast, world):
    figure = never_billed([world["kalbar"], world["city"]])
    links = {(row.programme.code, f"{row.month:%Y-%m}"): url for row, url in with_bill_links(cast["keuangan"], figure)}
    assert links[("KALBAR-2026", "2026-02")] == f"/iuran/?programme={world['kalbar'].pk}&month=2026-02#build"
    assert links[("PONTIANAK-2026", "2026-03")] == f"/iuran/?programme={world['city'].pk}&month=2026-03#build"
    assert not any(url for _row, url in with_bill_links(cast["pimpinan"], figure))
    # A finance officer of Kota Pontianak bills the city's programme, not the province's.
    city_finance = make_user("keuangan_kota", Role.KEUANGAN, "61.71")
    city_links = {row.programme.code: url for row, url in with_bill_links(city_finance, figure)}
    assert city_links["KALBAR-2026"] == "" and city_links["PONTIANAK-2026"]


def test_the_finance_pages_show_the_figure_with_a_link_to_the_prefilled_build_form(cast: Cast, world):
    client = client_for(cast["keuangan"])
    for url in ("/iuran/berisiko/", "/iuran/"):
        html = client.get(url).content.decode()
        assert 'data-testid="never-billed" data-months="3" data-worker-months="5"' in html, url
        assert f'href="/iuran/?programme={world["kalbar"].pk}&amp;month=2026-02#build"' in html, url
    form = client.get(f"/iuran/?programme={world['kalbar'].pk}&month=2026-02").content.decode()
    assert 'value="2026-02"' in form
    assert f'<option value="{world["kalbar"].pk}" selected>' in unescape(form)


def test_the_at_risk_page_counts_never_billed_months_as_arrears_within_the_users_region(cast: Cast, world):
    leader = make_user("pim_pontianak", Role.PIMPINAN, "61.71")
    html = client_for(leader).get("/iuran/berisiko/").content.decode()
    # Kota Pontianak: the province's programme's February and the city's February and March.
    assert 'data-testid="never-billed" data-months="3" data-worker-months="3"' in html
    # The province's worker owes February; the city's worker February and March.
    assert 'data-programme="KALBAR-2026" data-regency="61.71" data-one="1" data-two="0" data-three="0"' in html
    assert 'data-programme="PONTIANAK-2026" data-regency="61.71" data-one="0" data-two="1" data-three="0"' in html
    assert 'data-regency="61.01"' not in html
    assert 'data-testid="bill-link"' not in html  # a leader reads the figure; finance bills
