from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from lindung.workers import nik as nik_module


def run(*args: str) -> str:
    out = StringIO()
    call_command("nik", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(run(*args, "--json"))
    return data


def test_json_acceptance_example() -> None:
    [result] = run_json("6101015705800001")

    assert result == {
        "nik": "6101015705800001",
        "valid": True,
        "province_code": "61",
        "regency_code": "61.01",
        "district_code": "61.01.01",
        "province_name": "Kalimantan Barat",
        "regency_name": "Kabupaten Sambas",
        "district_name": "Sambas",
        "birth_date": "1980-05-17",
        "sex": "P",
        "serial": "0001",
        "errors": [],
        "warnings": [],
    }


def test_json_has_one_object_per_nik_in_order() -> None:
    results = run_json("6101015705800001", "6101-0157-0580-0002", "12345")

    assert [r["nik"] for r in results] == ["6101015705800001", "6101015705800002", "12345"]
    assert [r["valid"] for r in results] == [True, True, False]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("610101570580000", "The NIK must be exactly 16 digits; this one has 15."),
        ("6101015705800000", "The serial number (last 4 digits) must not be 0000; serials start at 0001."),
        ("6101005705800001", "The district code (digits 5–6) must not be 00."),
        ("6101013102800001", "(digits 7–12: 310280) is not a real date: day 31, month 2"),
        ("6101013202800001", "(digits 7–12: 320280) is not a real date: day 32, month 2"),
    ],
)
def test_json_rejects_bad_niks_with_english_messages(value: str, message: str) -> None:
    [result] = run_json(value, "--lang", "en")

    assert result["valid"] is False
    assert len(result["errors"]) == 1
    assert message in result["errors"][0]


def test_json_keeps_an_input_that_is_not_16_digits_as_given() -> None:
    [result] = run_json("6.10101E+15")

    assert result["nik"] == "6.10101E+15"
    assert result["regency_code"] is None
    assert result["birth_date"] is None
    assert result["sex"] is None


def test_json_lists_an_unknown_region_as_a_warning() -> None:
    [result] = run_json("6101995705800001", "--lang", "en")

    assert result["valid"] is True
    assert result["district_name"] is None
    assert result["errors"] == []
    assert len(result["warnings"]) == 1
    assert "does not prove current domicile" in result["warnings"][0]


def test_text_output_shows_verdict_regions_birth_date_and_sex() -> None:
    out = run("6101015705800001", "--lang", "en")

    assert "6101015705800001: valid" in out
    assert "Province: 61 Kalimantan Barat" in out
    assert "Regency/city: 61.01 Kabupaten Sambas" in out
    assert "District: 61.01.01 Sambas" in out
    assert "Birth date: 1980-05-17" in out
    assert "Sex: Female (P)" in out
    assert "Error" not in out


def test_text_output_lists_each_error_and_warning() -> None:
    out = run("6100003102800000", "6101995705800001", "--lang", "en")

    assert "6100003102800000: not valid" in out
    assert "Error: The regency/city code (digits 3–4) must not be 00." in out
    assert "Error: The district code (digits 5–6) must not be 00." in out
    assert "Error: The serial number (last 4 digits) must not be 0000" in out
    assert "Error: The birth date in the NIK (digits 7–12: 310280)" in out
    assert "6101995705800001: valid" in out
    assert "District: 61.01.99 (not in the Kemendagri data)" in out
    assert "Warning: Region code 61.01.99 is not in the current Kemendagri data." in out


def test_invalid_niks_do_not_make_the_command_fail() -> None:
    # call_command raises CommandError (exit code 1 from the CLI) on failure; returning means exit code 0.
    assert "not valid" in run("1", "--lang", "en")


@pytest.mark.parametrize(("args", "language"), [((), "id"), (("--lang", "id"), "id"), (("--lang", "en"), "en")])
def test_messages_are_rendered_in_the_chosen_language(
    monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], language: str
) -> None:
    # No .mo file exists yet, so the language is made visible through gettext itself.
    monkeypatch.setattr(nik_module, "gettext", lambda text: f"[{translation.get_language()}] {text}")

    # Started under the other language, so the command must set its own rather than inherit one.
    other = "en" if language == "id" else "id"
    for with_json in (False, True):
        with translation.override(other):
            out = run("6101015705800000", *args, *(("--json",) if with_json else ()))
        assert f"[{language}] The serial number" in out


def test_rejects_a_language_we_do_not_offer() -> None:
    with pytest.raises(CommandError):
        run("6101015705800001", "--lang", "fr")


def test_needs_at_least_one_nik() -> None:
    with pytest.raises(CommandError):
        run()
