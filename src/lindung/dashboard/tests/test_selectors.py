"""The dashboard's figures against the small province of ``conftest.py`` (the figures are worked out there).

The query string's parsing is tested in ``test_filters.py``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from lindung.contributions.headline import HeadlineScope, headline_figures
from lindung.dashboard.figures.monthly import month_range
from lindung.dashboard.filters import DashboardFilters, dashboard_filters_from
from lindung.dashboard.selectors import DashboardFigures, dashboard_figures
from lindung.dashboard.services import AGE_BANDS, age_band_case, dashboard_refresh
from lindung.dashboard.tests.conftest import TODAY, Province
from lindung.testing import Cast

pytestmark = pytest.mark.usefixtures("english")


def figures(user, **query: str) -> DashboardFigures:
    q = QueryDict(mutable=True)
    q.update(query)
    return dashboard_figures(user, dashboard_filters_from(user, q), today=TODAY)


def by_code(rows, code):
    return next(row for row in rows if row.code == code)


def test_the_province_sees_every_regency_against_its_target(cast: Cast, province: Province):
    f = figures(cast["pimpinan"])
    assert f.region.code == "61" and f.child_level == 2
    assert (f.totals.covered, f.totals.in_process, f.totals.ended) == (4, 1, 1)
    assert f.totals.target == 1_004  # KALBAR-2026's 1,000 and SAMBAS-2026's 4, both within the province
    assert len(f.coverage) == 14  # every regency and city, with or without workers
    sambas, pontianak = by_code(f.coverage, "61.01"), by_code(f.coverage, "61.71")
    assert (sambas.name, sambas.covered, sambas.target, sambas.in_process, sambas.ended) == (
        "Kabupaten Sambas",
        3,
        14,  # KALBAR's quota 10 + SAMBAS-2026's own target 4
        1,
        1,
    )
    assert sambas.percent == 21.4
    assert (pontianak.covered, pontianak.target, pontianak.percent) == (1, 5, 20.0)
    ketapang = by_code(f.coverage, "61.04")
    assert (ketapang.covered, ketapang.target, ketapang.percent) == (0, None, None)


def test_a_regency_operator_sees_its_districts_and_its_own_target(cast: Cast, province: Province):
    f = figures(cast["operator_sambas"])
    assert f.region.code == "61.01" and f.child_level == 3
    assert (f.totals.covered, f.totals.target, f.totals.in_process, f.totals.ended) == (3, 14, 1, 1)
    first, second = by_code(f.coverage, "61.01.01"), by_code(f.coverage, "61.01.02")
    assert (first.covered, first.in_process, first.ended, first.target) == (3, 0, 0, None)
    assert (second.covered, second.in_process, second.ended) == (0, 1, 1)


def test_a_pontianak_operator_sees_no_sambas_figures(cast: Cast, province: Province):
    f = figures(cast["operator_pontianak"], region="61.01")  # asking for Sambas is ignored
    assert f.region.code == "61.71"
    assert (f.totals.covered, f.totals.target, f.totals.in_process, f.totals.ended) == (1, 5, 0, 0)
    assert all(row.code.startswith("61.71.") for row in f.coverage)
    assert [g.covered for g in f.demographics.by_sex] == [1, 0]
    assert f.at_risk.total == 1
    assert f.claims.count == 1 and f.claims.benefits_paid == 0 and f.claims.contributions_paid == 0
    assert [p.code for p in f.programmes] == ["KALBAR-2026"]  # not Sambas's own programme
    assert sum(m.activated for m in f.months) == 1


def test_drilling_down_to_a_district_shows_its_villages(cast: Cast, province: Province):
    f = figures(cast["pimpinan"], region="61.01.01")
    assert f.child_level == 4 and [r.code for r in f.trail] == ["61", "61.01", "61.01.01"]
    assert f.totals.covered == 3
    village = by_code(f.coverage, "61.01.01.2001")
    assert village.covered == 3 and sum(r.covered for r in f.coverage) == 3
    at_village = figures(cast["pimpinan"], region="61.01.01.2001")
    assert at_village.child_level is None and at_village.coverage == ()
    assert at_village.totals.covered == 3


def test_filters_by_programme_and_funder(cast: Cast, province: Province):
    leader = cast["pimpinan"]
    by_programme = figures(leader, programme="SAMBAS-2026")
    assert by_programme.filters.programme == province.sambas
    assert (by_programme.totals.covered, by_programme.totals.target) == (1, 4)
    assert by_code(by_programme.coverage, "61.01").target == 4
    assert by_code(by_programme.coverage, "61.71").target is None
    by_id = dashboard_filters_from(leader, {"programme": str(province.kalbar.pk)})
    assert by_id.programme == province.kalbar
    by_funder = figures(leader, funder="apbd_kabkota")
    assert by_funder.totals.covered == 1 and [p.code for p in by_funder.programmes] == ["SAMBAS-2026"]
    assert by_funder.money.ceiling == province.sambas.budget_ceiling


def test_demographics_by_category_sex_and_age_band_on_the_day_of_the_figures(cast: Cast, province: Province):
    d = figures(cast["pimpinan"]).demographics
    assert [(g.key, g.covered, g.male, g.female) for g in d.by_sex] == [("L", 2, 2, 0), ("P", 2, 0, 2)]
    assert {g.key: (g.covered, g.male, g.female) for g in d.by_category} == {
        "PETANI": (2, 1, 1),
        "NELAYAN": (2, 1, 1),
    }
    assert [(g.label, g.covered) for g in d.by_age] == [
        ("15–24", 1),
        ("25–34", 1),
        ("35–44", 1),
        ("45–54", 0),
        ("55–64", 1),
        ("65+", 0),
    ]


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (dt.date(2011, 11, 27), "15–24"),  # 14: counted in the first band
        (dt.date(2002, 11, 26), "15–24"),  # 24 today
        (dt.date(2001, 11, 26), "25–34"),  # 25 today
        (dt.date(2001, 11, 27), "15–24"),  # 25 tomorrow
        (dt.date(1961, 11, 26), "65+"),
        (dt.date(1961, 11, 27), "55–64"),
    ],
)
def test_age_bands_turn_on_the_birthday(born: dt.date, band: str, db: None):
    from lindung.testing import make_worker
    from lindung.workers.models import Worker

    worker = make_worker(birth_date=born)
    index = Worker.objects.filter(pk=worker.pk).annotate(band=age_band_case(TODAY, column="birth_date"))
    assert AGE_BANDS[index.values_list("band", flat=True).get()].label == band


def test_enrolments_over_time_per_month(cast: Cast, province: Province):
    months = figures(cast["pimpinan"]).months
    assert months[0].month == dt.date(2026, 1, 1) and months[-1].month == dt.date(2026, 11, 1)
    assert [(m.activated, m.ended, m.active) for m in months[:5]] == [
        (2, 0, 2),
        (1, 0, 3),
        (1, 1, 3),
        (1, 0, 4),
        (0, 0, 4),
    ]
    period = figures(cast["pimpinan"], **{"from": "2026-02", "to": "2026-03"}).months
    assert [(m.month.month, m.activated, m.ended, m.active) for m in period] == [(2, 1, 0, 3), (3, 1, 1, 3)]


def test_workers_at_risk_by_months_in_arrears(cast: Cast, province: Province):
    f = figures(cast["pimpinan"])
    assert (f.at_risk.one, f.at_risk.two, f.at_risk.three) == (3, 0, 0)
    assert by_code(f.at_risk_by_region, "61.01").one == 2 and by_code(f.at_risk_by_region, "61.71").one == 1


def test_money_per_programme_and_funder(cast: Cast, province: Province):
    money = figures(cast["pimpinan"]).money
    kalbar = next(p for p in money.programmes if p.programme == province.kalbar)
    assert (kalbar.billed, kalbar.paid, kalbar.outstanding) == (9 * 16_800, 5 * 16_800, 4 * 16_800)
    assert kalbar.ceiling == province.kalbar.budget_ceiling and kalbar.runs_out_in is None
    assert (
        money.billed == 9 * 16_800 and money.ceiling == province.kalbar.budget_ceiling + province.sambas.budget_ceiling
    )
    assert [f.funder_type for f in money.funders] == ["apbd_provinsi", "apbd_kabkota"]


def test_claims_by_type_and_status_and_benefits_against_contributions(cast: Cast, province: Province):
    claims = figures(cast["pimpinan"]).claims
    assert claims.count == 2 and claims.open == 1
    assert {c.key: (c.count, c.benefits) for c in claims.by_type} == {"jkm": (1, 42_000_000), "jkk-stmb": (1, 0)}
    assert {c.key: c.count for c in claims.by_status if c.count} == {"dibayar": 1, "dilaporkan": 1}
    assert (claims.benefits_paid, claims.contributions_paid) == (42_000_000, 5 * 16_800)
    sambas = by_code(claims.by_region, "61.01")
    assert (sambas.claims, sambas.benefits, sambas.contributions) == (1, 42_000_000, 84_000)
    in_period = figures(cast["pimpinan"], **{"from": "2026-03", "to": "2026-04"}).claims
    assert in_period.count == 1
    districts = figures(cast["operator_sambas"]).claims.by_region
    assert by_code(districts, "61.01.02").claims == 1 and by_code(districts, "61.01.01").contributions == 3 * 16_800


def test_figures_say_how_fresh_they_are_and_follow_a_refresh(cast: Cast, province: Province):
    f = figures(cast["pimpinan"])
    assert f.as_of_day == TODAY and f.as_of is not None and not f.is_stale
    from lindung.enrolments.models import Status
    from lindung.testing import make_enrolment, make_worker

    make_enrolment(make_worker(), province.kalbar, Status.PROPOSED)
    assert figures(cast["pimpinan"]).totals.in_process == 1  # not yet counted
    dashboard_refresh(today=TODAY)
    assert figures(cast["pimpinan"]).totals.in_process == 2
    assert figures(cast["pimpinan"]).as_of_day == TODAY


def test_month_range_follows_the_programmes_until_this_month(province: Province):
    months = month_range([province.kalbar], DashboardFilters(), dt.date(2026, 3, 5))
    assert months == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]


def test_target_of_a_region(province: Province):
    def target(region: str) -> int | None:
        scope = HeadlineScope.of_programmes([province.kalbar, province.sambas], region, TODAY)
        return headline_figures(scope, keys=("target",))["target"]

    assert target("61") == 1_004
    assert target("61.01") == 14
    assert target("61.02") is None
    assert target("61.01.01") is None


def test_a_village_operator_sees_only_the_village(cast: Cast, province: Province):
    f = figures(cast["operator_desa"], region="61.01")
    assert f.region.code == "61.01.01.2001" and f.child_level is None and f.coverage == ()
    assert (f.totals.covered, f.totals.in_process, f.totals.ended, f.totals.target) == (3, 0, 0, None)
    assert f.at_risk.total == 2 and f.claims.count == 0 and f.claims.contributions_paid == 3 * 16_800


def test_money_matches_the_budget_page_with_months_still_to_project(cast: Cast, province: Province):
    from lindung.contributions.budget import programme_budget

    for money in figures(cast["pimpinan"]).money.programmes:
        budget = programme_budget(money.programme, today=TODAY)
        assert budget.projection.projected > 0  # November and December are not billed: projected
        assert (money.ceiling, money.billed, money.paid, money.outstanding) == (
            budget.ceiling,
            budget.billed,
            budget.paid,
            budget.outstanding,
        )
        assert (money.projected, money.runs_out_in, money.exceeded_by) == (
            budget.projection.projected,
            budget.projection.runs_out_in,
            budget.projection.exceeded_by,
        )


def test_without_a_period_the_months_chart_shows_the_last_two_years(province: Province):
    old = DashboardFilters()
    province.kalbar.coverage_start = dt.date(2022, 1, 1)
    months = month_range([province.kalbar], old, TODAY)
    assert len(months) == 24 and months[-1] == dt.date(2026, 11, 1)
    chosen = month_range([province.kalbar], DashboardFilters(month_from=dt.date(2022, 1, 1)), TODAY)
    assert chosen[0] == dt.date(2022, 1, 1) and len(chosen) == 59


def test_a_district_user_sees_the_figures_of_their_district_as_a_leader_drilling_into_it(
    cast: Cast, province: Province
):
    from lindung.accounts.models import Role
    from lindung.testing import make_user

    camat = make_user("camat", Role.OPERATOR_KABUPATEN, "61.01.01")
    own, drilled = figures(camat, region="61.01.02"), figures(cast["pimpinan"], region="61.01.01")
    assert own.region.code == "61.01.01" and own.filters.region == "61.01.01"  # 61.01.02 is outside the scope
    assert (own.totals, own.coverage, own.demographics, own.months) == (
        drilled.totals,
        drilled.coverage,
        drilled.demographics,
        drilled.months,
    )
    assert (own.at_risk, own.at_risk_by_region, own.claims) == (
        drilled.at_risk,
        drilled.at_risk_by_region,
        drilled.claims,
    )
    assert own.totals.covered == 3 and own.at_risk.total == 2 and own.claims.contributions_paid == 3 * 16_800


def test_the_figures_never_count_the_workers_the_enrolments_or_the_invoice_lines(cast: Cast, province: Province):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The budget's head count per month, too, comes from the summary: at a million enrolments counting them
    # took ~130 ms per programme (BENCHMARKS.md).
    for user, region, covered in (
        (cast["pimpinan"], "", 4),
        (cast["pimpinan"], "61.01.01", 3),
        (cast["operator_desa"], "", 3),
    ):
        with CaptureQueriesContext(connection) as queries:
            f = figures(user, region=region)
        assert f.totals.covered == covered and f.money.projected > 0
        read = " ".join(q["sql"] for q in queries.captured_queries)
        for table in ("workers_worker", "enrolments_enrolment", "contributions_invoiceline"):
            assert table not in read, (region, table)
