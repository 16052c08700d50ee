"""Every report in every format, opened again and checked against the database.

XLSX is read back with python-calamine. PDF: pypdf is not installed, so the PDF's bytes are only checked
to be a PDF; its text is read from the pages WeasyPrint lays out just before it writes them
(``pdf_pages_text``), and the page count from the same document. CSV is parsed with the csv module.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from typing import Any

import pytest
from django.db.models import Sum

from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.contributions.models import CoverageStatus, Invoice, InvoiceStatus, Payment
from lindung.dashboard.services import AGE_BANDS
from lindung.enrolments.models import Enrolment, Status
from lindung.numbers import rupiah, rupiah_number
from lindung.programmes.models import Programme, RegencyQuota
from lindung.regions.models import Region
from lindung.reports.builders import REPORT_NAMES, report_build
from lindung.reports.document import Report
from lindung.reports.exports import report_pdf_html, report_render
from lindung.reports.formats import CSV_DELIMITER, FORMATS, KETERANGAN, display
from lindung.reports.services import report_scope
from lindung.reports.tests.conftest import TODAY, pdf_pages_text, xlsx_sheets

pytestmark = pytest.mark.usefixtures("english")


def build(name: str, *, region: str = "", actor: Any = None) -> Report:
    scope = report_scope(actor=actor, programme_code="KALBAR-2026", region_code=region)
    return report_build(scope, name, today=TODAY)


def csv_blocks(content: bytes) -> dict[str, list[list[str]]]:
    """The CSV's blocks by key: the lines after the key line, up to the empty line."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=CSV_DELIMITER))
    blocks: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows:
        if not row:
            current = None
        elif current is None:
            current = blocks.setdefault(row[0], [])
        else:
            current.append(row)
    return blocks


def by_code(rows: list[list[Any]]) -> dict[str, list[Any]]:
    return {str(row[0]): row for row in rows[1:] if row and row[0]}


def pdf_text(report: Report) -> str:
    return " ".join(pdf_pages_text(report_pdf_html(report)))


def active(programme: Programme, **lookup: Any) -> int:
    return Enrolment.objects.filter(programme=programme, status=Status.ACTIVE, **lookup).count()


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_every_report_exists_in_every_format(kalbar: Programme, name: str) -> None:
    report = build(name)
    assert set(FORMATS) == {"xlsx", "pdf", "csv"}
    xlsx, pdf, text = (report_render(report, fmt) for fmt in FORMATS)
    sheets = xlsx_sheets(xlsx)
    assert KETERANGAN in sheets and len(sheets) == len(report.sections) + 1
    facts = {row[0]: row[1] for row in sheets[KETERANGAN] if len(row) > 1 and row[0]}
    assert facts["Programme"].startswith("KALBAR-2026")
    assert facts["Region"] == "61 · Kalimantan Barat"
    assert facts["Figures as of"].startswith(TODAY.isoformat())
    assert facts["Source"]
    assert pdf.startswith(b"%PDF")
    assert "Kalimantan Barat" in pdf_text(report)
    # The CSV carries the same tables as the workbook, cell for cell (numbers plain).
    blocks = csv_blocks(text)
    for section, sheet in zip(report.sections, list(sheets)[:-1], strict=True):
        workbook_rows = sheets[sheet]
        csv_rows = blocks[section.key]
        assert csv_rows[0] == workbook_rows[0]
        for csv_row, workbook_row in zip(csv_rows[1:], workbook_rows[1:], strict=False):
            for csv_cell, cell, column in zip(csv_row, workbook_row, section.columns, strict=False):
                if column.kind in ("count", "money") and cell != "":
                    assert int(csv_cell) == cell


def test_coverage_counts_the_active_workers_against_the_quotas(kalbar: Programme) -> None:
    report = build("coverage")
    rows = by_code(xlsx_sheets(report_render(report, "xlsx"))["Covered per region"])
    quotas = dict(RegencyQuota.objects.filter(programme=kalbar).values_list("regency_id", "quota"))
    for code in ("61.01", "61.71", "61.12"):
        in_process = Enrolment.objects.filter(
            programme=kalbar, regency_code=code, status__in=[Status.PROPOSED, Status.VERIFIED, Status.SENT]
        ).count()
        assert rows[code][2:5] == [active(kalbar, regency_code=code), in_process, 0]
        assert rows[code][5] == quotas.get(code, "")
    assert rows["61.01"][2] == 3 and rows["61.71"][2] == 1  # the fixture, as a sanity check of the above
    assert rows["61.01"][6] == pytest.approx(3 / quotas["61.01"])
    total = xlsx_sheets(report_render(report, "xlsx"))["Covered per region"][-1]
    assert total[1:3] == ["Total", active(kalbar)] and total[5] == kalbar.target_workers

    text = pdf_text(report)
    sambas = active(kalbar, regency_code="61.01")
    assert (
        f"61.01 Kabupaten Sambas {sambas} 1 0 {quotas['61.01']} {display(sambas / quotas['61.01'], 'percent')}" in text
    )
    assert f"Covered workers {rupiah_number(active(kalbar))}" in text


def test_demographics_split_the_covered_workers_by_category_sex_and_age(kalbar: Programme) -> None:
    report = build("demographics")
    sheets = xlsx_sheets(report_render(report, "xlsx"))
    workers = Enrolment.objects.filter(programme=kalbar, status=Status.ACTIVE).values_list(
        "worker__occupation__name", "worker__sex", "worker__birth_date"
    )
    by_category = Counter((name, sex) for name, sex, _ in workers)
    categories = {row[0]: row for row in sheets["Category"][1:]}
    for name in {name for name, _ in by_category}:
        men, women = by_category[(name, "L")], by_category[(name, "P")]
        assert categories[name][1:] == [men, women, men + women]
    assert categories["Total"][1:] == [
        sum(n for (_, s), n in by_category.items() if s == "L"),
        sum(n for (_, s), n in by_category.items() if s == "P"),
        len(workers),
    ]

    def band(born: dt.date) -> str:
        age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
        return next(b.label for b in AGE_BANDS if b.high is None or age <= b.high)

    ages = Counter(band(born) for _, _, born in workers)
    age_rows = {row[0]: row for row in sheets["Age"][1:]}
    for label, count in ages.items():
        assert age_rows[label][3] == count
    assert sum(age_rows[b.label][3] for b in AGE_BANDS) == len(workers)

    text = pdf_text(report)
    petani_men, petani_women = by_category[("Petani", "L")], by_category[("Petani", "P")]
    assert f"Petani {petani_men} {petani_women} {petani_men + petani_women}" in text


def test_budget_shows_the_programmes_money_and_every_payment(kalbar: Programme) -> None:
    report = build("budget")
    sheets = xlsx_sheets(report_render(report, "xlsx"))
    items = {row[0]: row[1] for row in sheets["Budget"][1:] if row and row[0]}
    billed = Invoice.objects.filter(programme=kalbar).exclude(status=InvoiceStatus.DRAFT).aggregate(s=Sum("total"))
    paid = Payment.objects.filter(programme=kalbar, reversed_at__isnull=True).aggregate(s=Sum("amount"))
    assert items["Budget ceiling"] == kalbar.budget_ceiling
    fully_paid = Invoice.objects.filter(programme=kalbar, status=InvoiceStatus.PAID).aggregate(s=Sum("total"))
    assert items["Contributions billed"] == billed["s"]
    assert items["Contributions paid"] == fully_paid["s"]
    assert items["Contributions outstanding"] == billed["s"] - fully_paid["s"]
    assert items["Payments received"] == paid["s"]
    assert items["Received, not yet settling an invoice"] == paid["s"] - fully_paid["s"]
    payments = sheets["Payments"]
    references = [row[1] for row in payments[1:-1]]
    assert references == list(
        Payment.objects.filter(programme=kalbar).order_by("paid_on", "pk").values_list("reference", flat=True)
    )
    assert payments[-1][2] == paid["s"]
    invoices = sheets["Invoices"]
    assert [row[0] for row in invoices[1:-1]] == ["2026-01", "2026-02", "2026-03"]
    assert invoices[-1][4] == billed["s"]
    funders = sheets["Funders"]
    assert funders[1][2:4] == [kalbar.budget_ceiling, billed["s"]]

    text = pdf_text(report)
    assert rupiah(kalbar.budget_ceiling) in text and "SP2D-KECIL" in text and rupiah(paid["s"]) in text


def test_arrears_counts_the_active_workers_behind_per_region(kalbar: Programme) -> None:
    report = build("arrears")
    rows = by_code(xlsx_sheets(report_render(report, "xlsx"))["Arrears"])
    for code in ("61.01", "61.71"):
        statuses = CoverageStatus.objects.filter(
            programme=kalbar, regency_code=code, enrolment__status=Status.ACTIVE, months_in_arrears__gt=0
        )
        expected = [
            statuses.filter(months_in_arrears=1).count(),
            statuses.filter(months_in_arrears=2).count(),
            statuses.filter(months_in_arrears__gte=3).count(),
        ]
        assert rows[code][2:6] == [*expected, sum(expected)]
    assert sum(rows["61.01"][2:5]) == 3  # every Sambas worker owes for February and March on TODAY

    text = pdf_text(report)
    assert f"61.01 Kabupaten Sambas {' '.join(str(int(v)) for v in rows['61.01'][2:6])}" in text
    # Counts only: no worker's name.
    assert "Budi" not in text and "Budi" not in report_render(report, "csv").decode("utf-8-sig")


def test_claims_by_kind_status_and_region_with_benefits_against_contributions(kalbar: Programme) -> None:
    report = build("claims")
    sheets = xlsx_sheets(report_render(report, "xlsx"))
    kinds = {row[0]: row for row in sheets["By kind"][1:]}
    statuses = list(ClaimStatus)
    for kind in ClaimType:
        counts = [Claim.objects.filter(programme=kalbar, type=kind, status=s).count() for s in statuses]
        assert kinds[str(kind.label)][1 : len(statuses) + 2] == [*counts, sum(counts)]
    regions = by_code(sheets["By region"])
    for code in ("61.01", "61.71"):
        claims = Claim.objects.filter(programme=kalbar, regency_code=code)
        benefits = claims.filter(status=ClaimStatus.PAID).aggregate(s=Sum("paid_amount"))["s"] or 0
        contributions = Invoice.objects.filter(
            programme=kalbar, status=InvoiceStatus.PAID, lines__regency_code=code
        ).aggregate(s=Sum("lines__amount"))["s"]
        assert regions[code][2] == claims.count()
        assert regions[code][6:8] == [benefits, contributions]

    text = pdf_text(report)
    jkm = Claim.objects.filter(programme=kalbar, type=ClaimType.JKM).count()
    assert f"Death (JKM) 0 0 0 {jkm} 0 {jkm}" in text
    assert rupiah(42_000_000) in text


def test_summary_fits_one_a4_page_with_the_key_figures_and_the_map(kalbar: Programme) -> None:
    for language in ("id", "en"):
        from django.utils import translation

        with translation.override(language):
            report = build("summary")
            pages = pdf_pages_text(report_pdf_html(report))
        assert len(pages) == 1
    html = report_pdf_html(report)
    assert html.count("<svg") == 3  # the tile map and two charts
    assert f"Covered workers {rupiah_number(active(kalbar))}" in pages[0]
    assert rupiah(kalbar.budget_ceiling) in pages[0]


def test_a_region_below_the_programme_narrows_every_report(kalbar: Programme) -> None:
    report = build("coverage", region="6101")  # undotted is accepted
    rows = xlsx_sheets(report_render(report, "xlsx"))["Covered per region"]
    districts = set(Region.objects.filter(parent_id="61.01").values_list("code", flat=True))
    assert {row[0] for row in rows[1:-1]} == districts
    assert rows[-1][2] == active(kalbar, regency_code="61.01")


def test_a_report_before_the_first_dashboard_refresh_says_so(db: None) -> None:
    from lindung.testing import make_programme

    make_programme("KALBAR-2026")
    report = build("coverage")
    facts = dict(report.facts)
    assert facts["Figures as of"].startswith("Never computed: run lindung dashboard refresh")
    assert report.section("coverage").total == ("", "Total", 0, 0, 0, 1_000, 0.0)


def test_the_period_narrows_the_claims_by_the_date_of_the_event(kalbar: Programme) -> None:
    scope = report_scope(
        actor=None, programme_code="KALBAR-2026", month_from=dt.date(2026, 4, 1), month_to=dt.date(2026, 6, 1)
    )
    report = report_build(scope, "claims", today=TODAY)
    total = report.section("types").total
    assert total is not None and total[len(ClaimStatus) + 1] == 0  # every claim of the fixture is in March
    assert dict(report.facts)["Period"] == "Apr 2026 – Jun 2026"


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_a_village_operator_gets_every_report_for_their_village(
    kalbar: Programme, cast: dict[str, Any], name: str
) -> None:
    report = build(name, actor=cast["operator_desa"])
    assert dict(report.facts)["Region"].startswith("61.01.01.2001 · ")
    for fmt in FORMATS:
        assert report_render(report, fmt)
