"""One truth for the headline figures (issue 14, items 2 and 3): each selector of ``lindung.contributions.headline``
against a count made here straight from the tables, in Python, and every place that shows a figure (the home
page, the dashboard at every level and filter, the summary report as PDF, XLSX and CSV, the budget page and
``lindung figures --json``) showing the same value for the same programmes, region and day.

The small world, on ``TODAY`` (20 June 2026; contributions are due on the 10th of the next month):

- KALBAR-2026 (the province's, target 1,000; quotas Sambas 10, Pontianak 5), running. Sambas: s1 active from
  January, s2 active from February, s3 died (ended end of March), s4 proposed, s6 verified; Pontianak: p1 active
  from April, p2 sent to BPJS, p3 active from July (not covered yet), p4 lapsed. January to May issued:
  January and February paid, March partly paid, April and May unpaid; June a draft.
- SAMBAS-2026 (the regency's, target 4), running: s5 active from May, May issued and unpaid; s1's worker is
  enrolled here too (from May) and counts in each programme.
- KALBAR-2023 (the province's, target 500), ended: o1 and o2 ended with the programme, o3 still active (never
  closed): nobody is covered by it today. January 2023 billed and paid.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.utils import timezone, translation

from lindung.accounts.models import User
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.coverage import coverage_update
from lindung.contributions.headline import FIGURE_KEYS, FIGURES, HeadlineScope, headline_figures
from lindung.contributions.models import CoverageStatus, Invoice, InvoiceLine, InvoiceStatus
from lindung.contributions.payments import payment_record
from lindung.dashboard.figures.headline import region_headlines
from lindung.dashboard.figures.place import place_of
from lindung.dashboard.figures.summary import village_sums
from lindung.dashboard.filters import DashboardFilters
from lindung.dashboard.services import dashboard_refresh
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.months import add_months, month_start
from lindung.numbers import rupiah, rupiah_number
from lindung.programmes.models import FunderType, Programme
from lindung.programmes.rates import programme_monthly_contribution
from lindung.public.services import public_coverage_check
from lindung.regions.codes import is_within
from lindung.reports.builders import report_build
from lindung.reports.exports import report_pdf_html, report_render
from lindung.reports.services import report_scope
from lindung.reports.tests.conftest import pdf_pages_text, xlsx_sheets
from lindung.rules.keys import Rule
from lindung.rules.selectors import rule_value
from lindung.testing import (
    PONTIANAK_VILLAGE,
    SAMBAS_VILLAGE,
    client_for,
    load_small_demo,
    make_cast,
    make_enrolment,
    make_programme,
    make_worker,
    set_quota,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 20)
SAMBAS_OTHER_DISTRICT = "61.01.02.2001"
REGIONS = ("", "61", "61.01", "61.71", "61.01.01", "61.01.02", SAMBAS_VILLAGE)


@dataclass
class World:
    kalbar: Programme
    sambas: Programme
    old: Programme
    cast: dict[str, User]

    @property
    def programmes(self) -> list[Programme]:
        return [self.kalbar, self.sambas, self.old]


def _bill(programme: Programme, *months: dt.date) -> list[Invoice]:
    return [
        invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=month))
        for month in months
    ]


def _pay(programme: Programme, amount: int, paid_on: dt.date, reference: str) -> None:
    payment_record(actor=None, programme=programme, paid_on=paid_on, amount=amount, reference=reference)


@pytest.fixture
def world(db: None) -> World:
    kalbar = make_programme("KALBAR-2026", target_workers=1_000)
    set_quota(kalbar, "61.01", 10)
    set_quota(kalbar, "61.71", 5)
    sambas = make_programme(
        "SAMBAS-2026",
        region_id="61.01",
        funder_type=FunderType.APBD_KABKOTA,
        funder_name="Pemerintah Kabupaten Sambas",
        target_workers=4,
    )
    old = make_programme("KALBAR-2023", year=2023, target_workers=500)

    def day(month: int, year: int = 2026) -> dt.date:
        return dt.date(year, month, 1)

    s1_worker = make_worker()
    make_enrolment(s1_worker, kalbar, Status.ACTIVE, coverage_start=day(1))
    make_enrolment(make_worker(), kalbar, Status.ACTIVE, coverage_start=day(2))
    make_enrolment(
        make_worker(village=SAMBAS_OTHER_DISTRICT),
        kalbar,
        Status.ENDED,
        coverage_start=day(1),
        coverage_end=dt.date(2026, 3, 31),
        end_reason=EndReason.DIED,
    )
    make_enrolment(make_worker(village=SAMBAS_OTHER_DISTRICT), kalbar, Status.PROPOSED)
    make_enrolment(make_worker(), kalbar, Status.VERIFIED)
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), kalbar, Status.ACTIVE, coverage_start=day(4))
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), kalbar, Status.SENT)
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), kalbar, Status.ACTIVE, coverage_start=day(7))
    make_enrolment(
        make_worker(village=PONTIANAK_VILLAGE),
        kalbar,
        Status.ENDED,
        coverage_start=day(1),
        coverage_end=dt.date(2026, 2, 28),
        end_reason=EndReason.LAPSED,
    )
    make_enrolment(make_worker(), sambas, Status.ACTIVE, coverage_start=day(5))
    make_enrolment(s1_worker, sambas, Status.ACTIVE, coverage_start=day(5))
    # s7: from March, but SAMBAS-2026 billed May only: March and April are due and were never billed.
    make_enrolment(make_worker(village=SAMBAS_OTHER_DISTRICT), sambas, Status.ACTIVE, coverage_start=day(3))
    for _ in range(2):
        make_enrolment(make_worker(), old, Status.ENDED, coverage_start=day(1, 2023))
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), old, Status.ACTIVE, coverage_start=day(1, 2023))

    invoices = _bill(kalbar, *(day(m) for m in range(1, 6)))
    invoice_build(actor=None, programme=kalbar, month=day(6))  # a draft: not billed yet
    for invoice in invoices:
        invoice.refresh_from_db()
    january, february, march = (i.total for i in invoices[:3])
    _pay(kalbar, january + february + march // 2, day(4), "SP2D-1")  # March partly paid
    _bill(sambas, day(5))
    (old_january,) = _bill(old, day(1, 2023))
    old_january.refresh_from_db()
    _pay(old, old_january.total, day(2, 2023), "SP2D-2023")
    coverage_update(today=TODAY)
    dashboard_refresh(today=TODAY)
    return World(kalbar=kalbar, sambas=sambas, old=old, cast=make_cast())


@pytest.fixture
def on_today(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The pages' today is ``TODAY`` (a date given to ``localdate`` converts as before)."""
    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: TODAY if value is None else real(value, timezone),
    )
    yield


# --- the figures counted here, in Python, from the rows ------------------------------------------------------


def _in_region(region: str, village: str) -> bool:
    return not region or is_within(village, region)


def direct(programmes: list[Programme], region: str, day: dt.date, *, single: bool) -> dict[str, int | None]:
    """Every headline figure from the tables, by the glossary's words, without the selectors' filters."""
    ids = {p.pk for p in programmes}
    by_id = {p.pk: p for p in programmes}
    enrolments = [e for e in Enrolment.objects.filter(programme_id__in=ids) if _in_region(region, e.village_id)]
    out: dict[str, int | None] = {
        "covered": sum(
            1
            for e in enrolments
            if e.status == Status.ACTIVE
            and e.coverage_start is not None
            and e.coverage_start <= day
            and (e.coverage_end is None or e.coverage_end >= day)
            and by_id[e.programme_id].coverage_start <= day <= by_id[e.programme_id].coverage_end
        ),
        "in_process": sum(1 for e in enrolments if e.status in ("diusulkan", "terverifikasi", "dikirim")),
        "ended": sum(1 for e in enrolments if e.status == Status.ENDED),
    }
    active = {e.pk for e in enrolments if e.status == Status.ACTIVE}
    arrears = [s.months_in_arrears for s in CoverageStatus.objects.filter(enrolment_id__in=active)]
    out["arrears_1"] = arrears.count(1)
    out["arrears_2"] = arrears.count(2)
    out["arrears_3_plus"] = sum(1 for n in arrears if n >= 3)
    counted = programmes if single else [p for p in programmes if p.coverage_start <= day <= p.coverage_end]
    targets = []
    for p in counted:
        if not region or is_within(p.region_id, region):
            targets.append(p.target_workers)
        elif region.count(".") == 1:
            quota = p.quotas.filter(regency_id=region).values_list("quota", flat=True).first()
            if quota is not None:
                targets.append(quota)
    out["target"] = sum(targets) if targets else None
    village_of = dict(Enrolment.objects.filter(programme_id__in=ids).values_list("pk", "village_id"))
    billed = paid = 0
    for line in InvoiceLine.objects.filter(invoice__programme_id__in=ids).select_related("invoice"):
        if line.invoice.status == InvoiceStatus.DRAFT or not _in_region(region, village_of[line.enrolment_id]):
            continue
        billed += line.amount
        paid += line.amount if line.invoice.status == InvoiceStatus.PAID else 0
    out.update(billed=billed, paid=paid, outstanding=billed - paid)
    out.update(_never_billed_direct(programmes, region, enrolments))
    return out


def _never_billed_direct(programmes: list[Programme], region: str, enrolments: list[Enrolment]) -> dict[str, int]:
    """The months due and never billed, by the glossary's words: each month of an enrolment's coverage (active or
    ended) up to the month the nightly run counted for, whose due date (the 10th of the next month, counted
    from the activation month at the earliest) has passed, and on which no issued invoice bills it."""
    counted_for = {
        s.programme_id: s.computed_for for s in CoverageStatus.objects.filter(programme__in=programmes).distinct()
    }
    billed: dict[tuple[int, dt.date], int] = defaultdict(int)
    for enrolment_id, month, amount in InvoiceLine.objects.exclude(invoice__status=InvoiceStatus.DRAFT).values_list(
        "enrolment_id", "month", "amount"
    ):
        billed[(enrolment_id, month)] += amount
    months: dict[int, set[dt.date]] = defaultdict(set)
    amount = 0
    by_id = {p.pk: p for p in programmes}
    for e in enrolments:
        today = counted_for.get(e.programme_id)
        if e.status not in (Status.ACTIVE, Status.ENDED) or e.coverage_start is None or today is None:
            continue
        programme = by_id[e.programme_id]
        last = min(e.coverage_end or programme.coverage_end, programme.coverage_end, today)
        month = month_start(e.coverage_start)
        while month <= last:
            due_from = max(month, month_start(e.activated_on)) if e.activated_on else month
            due = add_months(due_from, 1).replace(day=settings.LINDUNG_CONTRIBUTION_DUE_DAY)
            if due < today and billed[(e.pk, month)] <= 0:
                months[e.programme_id].add(month)
                amount += programme_monthly_contribution(programme, month).total
            month = add_months(month, 1)
    return {"never_billed_months": sum(len(found) for found in months.values()), "never_billed_amount": amount}


def test_the_world_has_something_in_every_figure(world: World):
    figures = direct([world.kalbar, world.sambas], "61", TODAY, single=False)
    assert figures == {
        "covered": 6,  # s1, s2, p1 in KALBAR; s5, s7 and s1's worker again in SAMBAS
        "in_process": 3,
        "ended": 2,
        "arrears_1": 2,  # SAMBAS: May unpaid
        "arrears_2": 1,  # p1: April and May
        "arrears_3_plus": 3,  # s1, s2: March (partly paid), April, May; s7: March, April never billed, May
        "target": 1_004,
        "billed": figures["billed"],
        "paid": figures["paid"],
        "outstanding": figures["outstanding"],
        "never_billed_months": 2,  # SAMBAS-2026: March and April (s7)
        "never_billed_amount": 2 * programme_monthly_contribution(world.sambas, dt.date(2026, 3, 1)).total,
    }
    assert 0 < figures["paid"] < figures["billed"]  # type: ignore[operator]
    old = direct([world.old], "", TODAY, single=True)
    assert old["never_billed_months"] == 11  # KALBAR-2023 billed January only


# --- each selector against the direct count --------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_each_selector_agrees_with_the_tables_for_one_programme_and_for_all(world: World, region: str):
    for programmes, single in (
        ([world.kalbar], True),
        ([world.sambas], True),
        ([world.old], True),
        (world.programmes, False),
    ):
        for day in (TODAY, dt.date(2026, 3, 15), dt.date(2023, 6, 1)):
            scope = HeadlineScope(tuple(programmes), region, day, single=single)
            assert headline_figures(scope).as_dict() == direct(programmes, region, day, single=single), (
                [p.code for p in programmes],
                region,
                day,
            )


def test_the_regions_add_up_to_the_programme(world: World):
    scope = HeadlineScope.of_programme(world.kalbar, "", TODAY)
    whole = headline_figures(scope)
    parts = [headline_figures(HeadlineScope.of_programme(world.kalbar, r, TODAY)) for r in ("61.01", "61.71")]
    for key in FIGURE_KEYS:
        if key != "target":
            assert whole[key] == sum(p.number(key) for p in parts), key
    assert whole.number("billed") == whole.number("paid") + whole.number("outstanding")


def test_all_programmes_take_the_target_of_the_running_ones_only(world: World):
    scope = HeadlineScope.of_programmes(world.programmes, "61", TODAY)
    figures = headline_figures(scope, keys=("target",))
    assert figures["target"] == 1_000 + 4  # not KALBAR-2023's 500
    assert figures.target_programmes == (world.kalbar, world.sambas)
    assert headline_figures(HeadlineScope.of_programme(world.old, "61", TODAY), keys=("target",))["target"] == 500
    ended_only = HeadlineScope.of_programmes([world.old], "61", TODAY)
    assert headline_figures(ended_only, keys=("target",))["target"] is None


def test_the_summary_tables_hold_the_same_figures_as_the_selectors(world: World):
    """The dashboard reads its summary tables; on the day of the refresh they give what the selectors count,
    for the drilled region and each child, at every level."""
    pimpinan = world.cast["pimpinan"]
    for region in ("61", "61.01", "61.71", "61.01.01"):
        for programmes, single in (([world.kalbar], True), (world.programmes, False)):
            place = place_of(pimpinan, DashboardFilters(region=region))
            sums = village_sums(pimpinan, place, [p.pk for p in programmes])
            headlines = region_headlines(place, sums, programmes, single=single, day=TODAY)
            assert headlines.total.as_dict() == direct(programmes, region, TODAY, single=single)
            for child, figures in headlines.by_child.items():
                expected = direct(programmes, child, TODAY, single=single)
                assert figures.as_dict() == {key: expected[key] for key in figures.as_dict()}, child


# --- every place that shows them --------------------------------------------------------------------------

_INDONESIAN_NUMBER = re.compile(r"(?:Rp )?[0-9]{1,3}(?:\.[0-9]{3})*")


def number_id(text: str) -> int:
    """ "15.702" or "Rp 184.363.200" → the integer."""
    text = text.strip()
    assert _INDONESIAN_NUMBER.fullmatch(text), text
    return int(text.removeprefix("Rp ").replace(".", ""))


def dashboard_tiles(html: str) -> dict[str, int | None]:
    """The headline tiles as the reader sees them (Indonesian numbers), checked against their data-value."""
    out: dict[str, int | None] = {}
    pattern = (
        r'data-key="([a-z0-9_]+)" data-value="([0-9]*)"><span class="label"><a [^>]*>[^<]*</a></span>'
        r"<strong>([^<]*)"
    )
    for key, value, shown in re.findall(pattern, html):
        shown = unescape(shown)
        out[key] = None if shown == "–" else number_id(shown)
        assert (str(out[key]) if out[key] is not None else "") == value, key
    return out


def cli_figures(*args: str) -> dict[str, int | None]:
    out = io.StringIO()
    call_command("figures", *args, "--today", TODAY.isoformat(), "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.usefixtures("on_today")
@pytest.mark.parametrize(
    ("query", "programme_codes", "region"),
    [
        ({}, None, "61"),
        ({"region": "61.01"}, None, "61.01"),
        ({"region": "61.71"}, None, "61.71"),
        ({"programme": "KALBAR-2026"}, ["KALBAR-2026"], "61"),
        ({"programme": "KALBAR-2026", "region": "61.01"}, ["KALBAR-2026"], "61.01"),
        ({"programme": "KALBAR-2023"}, ["KALBAR-2023"], "61"),
        ({"programme": "SAMBAS-2026", "region": "61.01.01"}, ["SAMBAS-2026"], "61.01.01"),
    ],
)
def test_the_dashboard_shows_the_selectors_figures(
    world: World, query: dict[str, str], programme_codes: list[str] | None, region: str
):
    html = client_for(world.cast["pimpinan"], "id").get("/dasbor/", query).content.decode()
    programmes = [p for p in world.programmes if programme_codes is None or p.code in programme_codes]
    expected = direct(programmes, region, TODAY, single=programme_codes is not None)
    assert dashboard_tiles(html) == expected
    if programme_codes is None:
        # "All programmes" names the running programmes whose targets it adds up, never the ended one.
        named = re.search(r'data-testid="target-programmes">([^<]*)<', html)
        assert named is not None and named.group(1) == "Target program berjalan: KALBAR-2026, SAMBAS-2026"


@pytest.mark.usefixtures("on_today")
def test_the_home_page_shows_each_programmes_covered_workers(world: World):
    html = client_for(None, "id").get("/").content.decode()
    for programme in world.programmes:
        card = html[html.index(f'data-programme="{programme.code}"') :]
        shown = re.search(r'data-testid="covered">([^<]*)<', card)
        assert shown is not None
        assert number_id(shown.group(1)) == direct([programme], "", TODAY, single=True)["covered"]
        assert cli_figures("--programme", programme.code)["covered"] == number_id(shown.group(1))


@pytest.mark.usefixtures("on_today")
def test_the_budget_page_shows_the_programmes_money(world: World):
    html = client_for(world.cast["keuangan"], "id").get("/anggaran/").content.decode()
    for programme in world.programmes:
        expected = direct([programme], "", TODAY, single=True)
        start = html.index(f'data-testid="budget" data-programme="{programme.code}"')
        section = html[start : html.index("</section>", start)]
        for key in ("billed", "paid", "outstanding"):
            shown = re.search(rf'data-testid="{key}">([^<]*)<', section)
            assert shown is not None and number_id(unescape(shown.group(1))) == expected[key], (programme.code, key)
            assert f'data-{key}="{expected[key]}"' in section


@pytest.mark.parametrize("region", ["", "61.01", "61.71"])
def test_the_summary_report_shows_the_selectors_figures_in_every_format(world: World, region: str):
    scope = report_scope(actor=None, programme_code="KALBAR-2026", region_code=region)
    expected = direct([world.kalbar], scope.region.code, TODAY, single=True)
    cli = cli_figures("--programme", "KALBAR-2026", *(["--region", region] if region else []))
    assert cli == expected
    report = report_build(scope, "summary", today=TODAY)  # in Indonesian, the default language

    key = {
        "Pekerja terlindungi": expected["covered"],
        "Dalam proses": expected["in_process"],
        "Iuran ditagih": expected["billed"],
        "Iuran dibayar": expected["paid"],
        "Menunggak 3 bulan atau lebih": expected["arrears_3_plus"],
        "Bulan belum ditagih": expected["never_billed_months"],
    }
    figures = {f.label: f for f in report.figures}
    for label, value in key.items():
        assert figures[label].value == value, label
    assert figures["Iuran ditagih"].note == f"terutang {rupiah(expected['outstanding'] or 0)}"

    # CSV: the key figures as label, value rows.
    csv_text = report_render(report, "csv").decode("utf-8-sig")
    for label, value in key.items():
        assert f"{label};{value}\r\n" in csv_text, label
    # XLSX: the key figures on the first sheet, and the coverage table's total row.
    sheets = xlsx_sheets(report_render(report, "xlsx"))
    first = {row[0]: row[1] for row in sheets["Keterangan"] if row and row[0]}
    for label, value in key.items():
        assert first[label] == value, label
    total = next(row for row in sheets["Cakupan per wilayah"] if row[1] == "Total")
    assert total[2:6] == [expected["covered"], expected["in_process"], expected["ended"], expected["target"] or ""]
    # PDF: as laid out, in Indonesian numbers; "Lunas" and "Iuran dibayar" no longer tell two stories.
    text = " ".join(pdf_pages_text(report_pdf_html(report)))
    assert f"Iuran dibayar {rupiah(expected['paid'])}" in text
    assert f"Iuran ditagih {rupiah(expected['billed'])}" in text
    assert f"Pekerja terlindungi {rupiah_number(expected['covered'])}" in text
    assert "Lunas" not in text


def test_the_command_prints_every_figure_as_integers(world: World):
    figures = cli_figures("--programme", "KALBAR-2026", "--region", "6101")
    assert list(figures) == [f.key for f in FIGURES]
    assert figures == direct([world.kalbar], "61.01", TODAY, single=True)
    assert all(isinstance(v, int) for v in figures.values())
    # The ended programme on a day of its period, and today.
    assert cli_figures("--programme", "KALBAR-2023")["covered"] == 0


def test_the_command_prints_a_readable_table_in_the_chosen_language(world: World):
    out = io.StringIO()
    call_command("figures", "--programme", "KALBAR-2026", "--today", TODAY.isoformat(), stdout=out)
    text = out.getvalue()
    expected = direct([world.kalbar], "", TODAY, single=True)
    assert "Program KALBAR-2026 · Kalimantan Barat (61) · 2026-06-20" in text
    assert re.search(rf"Terlindungi\s+{expected['covered']}\n", text)
    with translation.override("id"):
        assert re.search(rf"Iuran ditagih\s+{re.escape(rupiah(expected['billed']))}\n", text)
    out = io.StringIO()
    call_command("figures", "--programme", "KALBAR-2026", "--today", TODAY.isoformat(), "--lang", "en", stdout=out)
    with translation.override("en"):  # English numbers: Rp 1,234,567
        assert re.search(rf"Contributions paid\s+{re.escape(rupiah(expected['paid']))}\n", out.getvalue())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--programme", "NOPE"], "There is no programme with code NOPE."),
        (["--programme", "KALBAR-2026", "--region", "99.99"], "There is no region with code 99.99."),
        (["--programme", "SAMBAS-2026", "--region", "61.71"], "Programme SAMBAS-2026 does not cover region 61.71."),
        (["--programme", "KALBAR-2026", "--today", "2026-13-01"], "2026-13-01 is not a date written YYYY-MM-DD."),
    ],
)
def test_the_command_refuses_what_it_cannot_count_with_a_sentence(world: World, args: list[str], message: str):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("figures", *args, "--lang", "en")


def test_from_the_command_line_a_refusal_is_one_line_and_a_failing_exit_code(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    # run_from_argv closes the connections when it ends; the test's transaction must stay open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    command = load_command_class("lindung.contributions", "figures")
    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(["lindung", "figures", "--programme", "NOPE"])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert err.strip() == "CommandError: Tidak ada program dengan kode NOPE."
    assert "Traceback" not in err


def test_the_glossary_and_the_figures_list_the_same_keys(world: World):
    html = client_for(None, "id").get("/bantuan/istilah/").content.decode()
    keys = re.findall(r'data-testid="term" data-key="([a-z0-9_]+)"', html)
    assert keys[: len(FIGURE_KEYS)] == list(FIGURE_KEYS)


# --- the same on the demo's data --------------------------------------------------------------------------


@pytest.fixture
def demo(settings: Any, reference_data: None) -> list[Programme]:
    """The small demo (its today is the real today): its programmes, the running provincial one first."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    running = load_small_demo(workers=150, seed=7)
    others = Programme.objects.exclude(code=running).order_by("code")
    return [Programme.objects.get(code=running), *others]


@pytest.mark.django_db(transaction=True)
def test_on_the_demo_every_place_shows_the_same_figures(demo: list[Programme]):
    today = timezone.localdate()
    running = demo[0]
    pimpinan = User.objects.get(username="pimpinan")
    home = client_for(None, "id").get("/").content.decode()
    for programme in demo:
        out = io.StringIO()
        call_command("figures", "--programme", programme.code, "--json", stdout=out)
        expected = json.loads(out.getvalue())
        assert expected == direct([programme], "", today, single=True), programme.code
        card = home[home.index(f'data-programme="{programme.code}"') :]
        shown = re.search(r'data-testid="covered">([^<]*)<', card)
        assert shown is not None and number_id(shown.group(1)) == expected["covered"], programme.code
    dashboard = client_for(pimpinan, "id")
    everything = dashboard_tiles(dashboard.get("/dasbor/").content.decode())
    assert everything == direct(demo, "61", today, single=False)
    assert everything["target"] == sum(p.target_workers for p in demo if p.coverage_start <= today <= p.coverage_end)
    one = dashboard_tiles(dashboard.get("/dasbor/", {"programme": running.code}).content.decode())
    assert one == direct([running], "61", today, single=True)

    # The finance officer's at-risk page names the same workers in arrears and the same months never billed.
    at_risk = client_for(User.objects.get(username="keuangan"), "id").get("/iuran/berisiko/").content.decode()
    rows = re.findall(r'data-one="(\d+)" data-two="(\d+)" data-three="(\d+)"', at_risk)
    assert [sum(int(row[i]) for row in rows) for i in range(3)] == [
        everything["arrears_1"],
        everything["arrears_2"],
        everything["arrears_3_plus"],
    ]
    assert (everything["arrears_1"] or 0) > 0  # KALBAR's month never billed: its workers are a month behind
    never = re.search(r'data-testid="never-billed" data-months="(\d+)"[^>]*data-amount="(\d+)"', at_risk)
    assert never is not None
    assert [int(never.group(1)), int(never.group(2))] == [
        everything["never_billed_months"],
        everything["never_billed_amount"],
    ]
    assert (everything["never_billed_months"] or 0) >= 1
    # The one-page summary of each programme says what the dashboard filtered to it says.
    for programme in demo:
        page = dashboard_tiles(dashboard.get("/dasbor/", {"programme": programme.code}).content.decode())
        scope = report_scope(actor=pimpinan, programme_code=programme.code, region_code="61")
        said = {f.label: f.value for f in report_build(scope, "summary", today=today).figures}
        assert said["Menunggak 3 bulan atau lebih"] == page["arrears_3_plus"], programme.code
        assert said["Bulan belum ditagih"] == page["never_billed_months"], programme.code


@pytest.mark.django_db(transaction=True)
def test_on_the_demo_the_city_in_arrears_is_not_protected_once_the_window_is_exceeded(
    settings: Any, reference_data: None
):
    """The demo as of 15 July: Kota Pontianak's own programme has May and June billed and unpaid. Within the
    window its workers are still protected; on 15 September, nothing paid or billed since (July and August due
    and never billed), four months in a row are unpaid, more than the window's three, and the public check no
    longer answers "protected". The nightly run of that day lapses them, and the at-risk page agreed before."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    today = dt.date(timezone.localdate().year, 7, 15)
    load_small_demo(workers=150, seed=7, today=today)
    city = Programme.objects.get(code=f"PONTIANAK-{today.year}")
    enrolment = Enrolment.objects.filter(programme=city, status=Status.ACTIVE).select_related("worker").first()
    assert enrolment is not None
    worker = enrolment.worker
    status = CoverageStatus.objects.get(enrolment=enrolment)
    window = rule_value(Rule.ARREARS_WINDOW, on=today)
    assert 1 <= status.consecutive_unpaid <= window
    assert public_coverage_check(nik=worker.nik, birth_date=worker.birth_date, today=today) is not None

    later = dt.date(today.year, 9, 15)
    assert public_coverage_check(nik=worker.nik, birth_date=worker.birth_date, today=later) is None
    coverage_update(today=later)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ENDED and enrolment.end_reason == EndReason.LAPSED
