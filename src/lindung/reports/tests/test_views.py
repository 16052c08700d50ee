"""/laporan/: the list with its links, the downloads, region scope, the right to the dashboard, the audit."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from lindung.accounts.models import User
from lindung.audit.models import AuditEntry
from lindung.contributions.models import Payment
from lindung.programmes.models import Programme
from lindung.regions.models import Region
from lindung.reports.builders import REPORT_NAMES
from lindung.reports.formats import CONTENT_TYPES, CSV_DELIMITER
from lindung.reports.tests.conftest import INJECTION, xlsx_sheets
from lindung.testing import client_for, download_by_post, make_user, strict_client_for
from lindung.workers.models import OccupationCategory


def post(client: Client, path: str, query: dict[str, str]) -> Any:
    """What a button of the list does: a POST to the report's address, the filters in its query string."""
    return client.post(f"{path}?{urlencode(query)}")


def download(user: User, name: str, fmt: str, **query: str) -> bytes:
    response = post(
        client_for(user), reverse("reports:download", args=[name, fmt]), {"programme": "KALBAR-2026", **query}
    )
    assert response.status_code == 200, response.status_code
    return response.content


@pytest.mark.parametrize("fmt", ["xlsx", "pdf", "csv", "html"])
def test_a_report_is_handed_out_only_to_a_post_with_the_page_s_csrf_token(
    kalbar: Programme, cast: dict[str, User], fmt: str
) -> None:
    client = strict_client_for(cast["pimpinan"])
    url = f"/laporan/coverage.{fmt}?programme=KALBAR-2026&region=61.71"
    response, entry = download_by_post(client, url, action="report.exported")
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    assert (entry.actor, entry.region_code, entry.changes["format"]) == (cast["pimpinan"], "61.71", [None, fmt])


def test_the_list_links_every_report_in_every_format(kalbar: Programme, cast: dict[str, User]) -> None:
    response = client_for(cast["pimpinan"]).get(reverse("reports:list"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in REPORT_NAMES:
        for fmt in ("xlsx", "pdf", "csv"):
            assert f'formaction="/laporan/{name}.{fmt}?programme=KALBAR-2026"' in page
    assert "Leadership summary" in page


def test_the_filters_go_on_every_link(kalbar: Programme, cast: dict[str, User]) -> None:
    query = {"programme": "KALBAR-2026", "funder": "apbd_provinsi", "month_from": "2026-01", "month_to": "2026-03"}
    page = client_for(cast["admin_provinsi"]).get(reverse("reports:list"), {**query, "region": "61.01"}).content
    assert (
        b'formaction="/laporan/claims.csv?programme=KALBAR-2026&amp;funder=apbd_provinsi&amp;month_from=2026-01'
        b'&amp;month_to=2026-03&amp;region=61.01"' in page
    )


def test_a_funder_the_programme_does_not_match_is_refused(kalbar: Programme, cast: dict[str, User]) -> None:
    client = client_for(cast["pimpinan"])
    page = client.get(reverse("reports:list"), {"programme": "KALBAR-2026", "funder": "apbn"}).content.decode()
    assert "The programme chosen is paid by another funder." in page and "/laporan/coverage.xlsx" not in page
    assert client.get("/laporan/coverage.xlsx", {"programme": "KALBAR-2026", "funder": "apbn"}).status_code == 404


def test_the_list_page_reads_a_fixed_number_of_rows(
    kalbar: Programme, cast: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    client = client_for(cast["admin_provinsi"])
    with django_assert_max_num_queries(8):
        assert client.get(reverse("reports:list")).status_code == 200


def test_without_the_dashboard_right_there_are_no_reports(kalbar: Programme) -> None:
    guest = make_user("tamu", region="61")
    assert client_for(guest).get(reverse("reports:list")).status_code == 403
    assert client_for(guest).get("/laporan/coverage.xlsx", {"programme": "KALBAR-2026"}).status_code == 403
    assert client_for(None).get(reverse("reports:list")).status_code == 302  # to the login page


def test_a_pontianak_operator_gets_only_pontianak(kalbar: Programme, cast: dict[str, User]) -> None:
    operator = cast["operator_pontianak"]
    page = client_for(operator).get(reverse("reports:list")).content.decode()
    assert 'value="61.71.01"' in page and 'value="61.01"' not in page  # the region filter stays in Pontianak
    for name in REPORT_NAMES:
        sheets = xlsx_sheets(download(operator, name, "xlsx"))
        cells = [str(cell) for rows in sheets.values() for row in rows for cell in row]
        assert not [c for c in cells if "61.01" in c or "Sambas" in c], name
        assert any("61.71 · Kota Pontianak" in c for c in cells), name
        text = download(operator, name, "csv").decode("utf-8-sig")
        assert "61.01" not in text and "Sambas" not in text, name
    # Asking for Sambas is a 404, as for any row outside the user's region.
    client = client_for(operator)
    assert client.get("/laporan/coverage.xlsx", {"programme": "KALBAR-2026", "region": "61.01"}).status_code == 404


def test_unknown_report_format_or_programme_is_not_found(kalbar: Programme, cast: dict[str, User]) -> None:
    client = client_for(cast["pimpinan"])
    assert client.get("/laporan/salaries.xlsx", {"programme": "KALBAR-2026"}).status_code == 404
    assert client.get("/laporan/coverage.docx", {"programme": "KALBAR-2026"}).status_code == 404
    assert client.get("/laporan/coverage.xlsx", {"programme": "NOPE"}).status_code == 404
    assert client.get("/laporan/coverage.xlsx").status_code == 404
    assert not AuditEntry.objects.filter(action="report.exported").exists()


def test_every_download_is_audited_without_anything_personal(kalbar: Programme, cast: dict[str, User]) -> None:
    user = cast["keuangan"]
    response = post(client_for(user), "/laporan/budget.pdf", {"programme": "KALBAR-2026", "region": "61.71"})
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="laporan-budget-KALBAR-2026-61.71.pdf"'
    download(user, "arrears", "csv", funder="apbd_provinsi", month_from="2026-02")
    entries = list(AuditEntry.objects.filter(action="report.exported").order_by("pk"))
    assert [(e.actor, e.region_code, e.object_id) for e in entries] == [
        (user, "61.71", str(kalbar.pk)),
        (user, "61", str(kalbar.pk)),
    ]
    assert entries[0].changes == {
        "report": [None, "budget"],
        "format": [None, "pdf"],
        "programme": [None, "KALBAR-2026"],
        "region": [None, "61.71"],
    }
    assert entries[1].changes["funder"] == [None, "apbd_provinsi"]
    assert entries[1].changes["period"] == [None, ["2026-02", None]]
    logged = str([e.changes for e in entries])
    assert not re.search(r"\d{16}", logged)  # no NIK
    assert "Budi" not in logged


def test_formula_like_names_come_out_inert(kalbar: Programme, cast: dict[str, User]) -> None:
    """A programme, region, category or payment reference named like a formula is text in every export."""
    Programme.objects.filter(pk=kalbar.pk).update(name=INJECTION)
    Region.objects.filter(code="61.71").update(name="+" + INJECTION)
    OccupationCategory.objects.filter(code="PETANI").update(name="@" + INJECTION)
    Payment.objects.filter(reference="SP2D-KECIL").update(reference="-" + INJECTION)
    user = cast["admin_provinsi"]
    found: set[str] = set()
    for name in ("coverage", "demographics", "budget"):
        sheets = xlsx_sheets(download(user, name, "xlsx"))
        texts = [c for rows in sheets.values() for row in rows for c in row if isinstance(c, str)]
        assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))], name
        found |= {t for t in texts if INJECTION in t}
        rows = csv.reader(io.StringIO(download(user, name, "csv").decode("utf-8-sig")), delimiter=CSV_DELIMITER)
        cells = [c for row in rows for c in row if not re.fullmatch(r"-?\d+(\.\d+)?", c)]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))], name
        found |= {c for c in cells if INJECTION in c}
    assert {"'+" + INJECTION, "'@" + INJECTION, "'-" + INJECTION} <= found
    assert any(t.startswith("KALBAR-2026 · " + INJECTION) or t == "'" + INJECTION for t in found)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_file_follows_the_page_language(kalbar: Programme, cast: dict[str, User], language: str) -> None:
    response = post(
        client_for(cast["pimpinan"], language=language), "/laporan/coverage.csv", {"programme": "KALBAR-2026"}
    )
    line = response.content.decode("utf-8-sig").splitlines()[2]
    assert line.startswith("Programme;KALBAR-2026" if language == "en" else "Program;KALBAR-2026")


def test_the_summary_can_be_read_on_screen_and_the_view_is_audited(kalbar: Programme, cast: dict[str, User]) -> None:
    response = post(client_for(cast["pimpinan"]), "/laporan/summary.html", {"programme": "KALBAR-2026"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert not response.has_header("Content-Disposition")
    page = response.content.decode()
    assert "<svg" in page and "Leadership summary" in page
    entry = AuditEntry.objects.get(action="report.exported")
    assert entry.changes["format"] == [None, "html"]
    listing = client_for(cast["pimpinan"]).get(reverse("reports:list")).content.decode()
    assert 'formaction="/laporan/summary.html?programme=KALBAR-2026"' in listing
