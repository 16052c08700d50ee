"""``lindung report``: writes the file, acts as the system or as a user within their region, fails clearly."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lindung.accounts.models import User
from lindung.audit.models import AuditEntry
from lindung.programmes.models import Programme
from lindung.reports.tests.conftest import TODAY, xlsx_sheets
from lindung.testing import make_programme, make_user


def run(*args: str, **options: Any) -> str:
    out = StringIO()
    call_command("report", *args, "--lang", "en", "--today", TODAY.isoformat(), stdout=out, **options)
    return out.getvalue()


def test_writes_the_report_and_records_the_export_as_the_system(kalbar: Programme, tmp_path: Path) -> None:
    target = tmp_path / "coverage.xlsx"
    output = run("coverage", "--programme", "KALBAR-2026", "--out", str(target))
    assert f"Wrote {target}: report coverage, programme KALBAR-2026, region 61." in output
    sheets = xlsx_sheets(target.read_bytes())
    assert "Covered per region" in sheets and "Keterangan" in sheets
    entry = AuditEntry.objects.get(action="report.exported")
    assert entry.actor is None and entry.region_code == "61"
    assert entry.changes == {
        "report": [None, "coverage"],
        "format": [None, "xlsx"],
        "programme": [None, "KALBAR-2026"],
        "region": [None, "61"],
    }
    assert not list(tmp_path.glob(".report-*"))  # no temporary file left behind


@pytest.mark.parametrize("fmt", ["pdf", "csv"])
def test_other_formats_and_a_default_file_name(
    kalbar: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(tmp_path)
    run("summary", "--programme", "KALBAR-2026", "--region", "6171", "--format", fmt)
    written = tmp_path / f"laporan-summary-KALBAR-2026-61.71.{fmt}"
    assert written.exists()
    assert written.read_bytes().startswith(b"%PDF" if fmt == "pdf" else "\ufeff".encode())


def test_as_a_pontianak_operator_the_report_has_no_sambas_rows(
    kalbar: Programme, cast: dict[str, User], tmp_path: Path
) -> None:
    target = tmp_path / "arrears.csv"
    run("arrears", "--programme", "KALBAR-2026", "--format", "csv", "--out", str(target), "--as", "operator_pontianak")
    text = target.read_text(encoding="utf-8-sig")
    assert "61.71 · Kota Pontianak" in text
    assert "61.01" not in text and "Sambas" not in text
    entry = AuditEntry.objects.get(action="report.exported")
    assert entry.actor == cast["operator_pontianak"] and entry.region_code == "61.71"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonsense", "--programme", "KALBAR-2026"], "There is no report nonsense. The reports are: coverage, "),
        (["coverage", "--programme", "NOPE"], "There is no programme with code NOPE."),
        (["coverage", "--programme", "KALBAR-2026", "--region", "99.99"], "There is no region with code 99.99."),
        (["coverage", "--programme", "KALBAR-2026", "--funder", "bank"], "There is no funder type bank."),
        (
            ["coverage", "--programme", "KALBAR-2026", "--funder", "apbn"],
            "Programme KALBAR-2026 is not paid by the funder type apbn.",
        ),
        (["coverage", "--programme", "KALBAR-2026", "--from", "2026-13"], "2026-13 is not a month written YYYY-MM."),
        (
            ["coverage", "--programme", "KALBAR-2026", "--from", "2026-05", "--to", "2026-01"],
            "--to must not be before --from.",
        ),
        (["coverage", "--programme", "KALBAR-2026", "--as", "ghost"], "There is no active user ghost."),
        (
            ["coverage", "--programme", "KALBAR-2026", "--out", "/nonexistent/folder/x.xlsx"],
            "The folder /nonexistent/folder does not exist.",
        ),
    ],
)
def test_errors_are_clear_and_leave_no_trace(kalbar: Programme, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match="^" + message.replace("(", r"\(").replace(".", r"\.")):
        run(*args)
    assert not AuditEntry.objects.filter(action="report.exported").exists()


def test_a_user_is_held_to_their_region_and_right(kalbar: Programme, cast: dict[str, User]) -> None:
    with pytest.raises(CommandError, match=r"^Region 61\.01 is outside the region of user operator_pontianak\."):
        run("coverage", "--programme", "KALBAR-2026", "--region", "61.01", "--as", "operator_pontianak")
    make_programme("SAMBAS-2026", region_id="61.01")
    with pytest.raises(CommandError, match=r"^There is no programme with code SAMBAS-2026\."):
        run("coverage", "--programme", "SAMBAS-2026", "--as", "operator_pontianak")
    with pytest.raises(CommandError, match=r"^Programme SAMBAS-2026 does not cover region 61\.71\."):
        run("coverage", "--programme", "SAMBAS-2026", "--region", "61.71")
    make_user("tamu", region="61")  # no role: no right to the dashboard
    with pytest.raises(CommandError, match=r"^User tamu may not read reports\."):
        run("coverage", "--programme", "KALBAR-2026", "--as", "tamu")
    assert not AuditEntry.objects.filter(action="report.exported").exists()
