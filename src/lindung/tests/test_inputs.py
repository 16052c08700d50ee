"""The shared range rules (``lindung.inputs``): what each parser and form field takes, refuses and says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.http import QueryDict
from django.utils import timezone, translation

from lindung import inputs
from lindung.programmes.models import Programme
from lindung.regions.models import Region

HUGE = str(2**63)
AMOUNT_FORM = "Write the amount in whole rupiah, for example 184.363.200 or Rp 184.363.200."


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (str(2**63 - 1), 2**63 - 1),
        (HUGE, None),
        ("0", None),
        ("-1", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١", None),  # an Arabic-Indic one: int() would take it
        ("1e3", None),
        (" 1", None),
        ("", None),
        ("9" * 5000, None),
    ],
)
def test_an_id_is_ascii_digits_from_1_to_2_to_the_63_minus_1(value: str, expected: int | None) -> None:
    assert inputs.parse_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-10", dt.date(2026, 3, 10)),
        (" 2000-01-01 ", dt.date(2000, 1, 1)),
        ("2100-12-31", dt.date(2100, 12, 31)),
        ("1999-12-31", None),
        ("2101-01-01", None),
        ("0001-01-01", None),
        ("9999-12-31", None),
        ("2026-02-30", None),
        ("0000-00-00", None),
        ("10-03-2026", None),
        ("2026-3-10", None),
        ("\x00", None),
    ],
)
def test_a_query_date_is_yyyy_mm_dd_within_2000_to_2100(value: str, expected: dt.date | None) -> None:
    assert inputs.parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03", dt.date(2026, 3, 1)),
        ("2000-01", dt.date(2000, 1, 1)),
        ("2100-12", dt.date(2100, 12, 1)),
        ("1999-12", None),
        ("2101-01", None),
        ("9999-12", None),
        ("0000-00", None),
        ("0001-01", None),
        ("2026-13", None),
        ("2026-00", None),
        ("2026-3", None),
        ("", None),
    ],
)
def test_a_query_month_is_yyyy_mm_within_2000_to_2100(value: str, expected: dt.date | None) -> None:
    assert inputs.parse_month(value) == expected


def test_a_query_value_is_ignored_when_it_holds_a_nul_or_is_too_long() -> None:
    query = QueryDict(mutable=True)
    query.setlist("a", ["first", " last "])
    query.update({"nul": "61\x00", "long": "x" * 101})
    assert inputs.query_value(query, "a") == "last"
    assert inputs.query_value(query, "nul") == ""
    assert inputs.query_value(query, "long") == ""
    assert inputs.query_value(query, "missing") == ""
    assert inputs.query_value({"list": ["x"]}, "list") == ""


class Sample(forms.Form):
    day = inputs.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    born = inputs.BirthDateField(required=False)
    month = inputs.MonthField(required=False)
    amount = inputs.RupiahField(required=False)
    paid = inputs.RupiahField(required=False, min_value=1)
    workers = inputs.WorkersField(required=False)
    row = inputs.IdField(required=False)


def _errors(**data: str) -> dict[str, list[str]]:
    form = Sample(data)
    form.is_valid()
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_a_date_field_takes_the_era_and_names_it_when_refusing(day: str) -> None:
    assert _errors(day=day) == {"day": ["Enter a date from 2000-01-01 to 2100-12-31."]}


def test_a_date_field_takes_the_era_s_first_and_last_day() -> None:
    form = Sample({"day": "2000-01-01", "month": "2100-12"})
    assert form.is_valid() and form.cleaned_data["day"] == dt.date(2000, 1, 1)


def test_the_date_picker_is_told_the_range_too() -> None:
    html = str(Sample()["day"])
    assert 'min="2000-01-01"' in html and 'max="2100-12-31"' in html


def test_a_birth_date_runs_from_1900_to_today() -> None:
    today = timezone.localdate()
    assert _errors(born=today.isoformat()) == {}
    assert _errors(born="1900-01-01") == {}
    refused = f"Enter a date from 1900-01-01 to {today.isoformat()}."
    assert _errors(born=(today + dt.timedelta(days=1)).isoformat()) == {"born": [refused]}
    assert _errors(born="1899-12-31") == {"born": [refused]}


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("9999-12", "Enter a month from 2000-01 to 2100-12."),
        ("0001-01", "Enter a month from 2000-01 to 2100-12."),
        ("0000-00", "Write the month as YYYY-MM, for example 2026-03."),
        ("2026-13", "Write the month as YYYY-MM, for example 2026-03."),
        ("x" * 5000, "Write the month as YYYY-MM, for example 2026-03."),
    ],
)
def test_a_month_field_takes_yyyy_mm_in_the_era(month: str, message: str) -> None:
    assert _errors(month=month) == {"month": [message]}


def test_a_month_field_cleans_to_the_first_day_and_shows_it_back_as_yyyy_mm() -> None:
    form = Sample({"month": " 2026-03 "})
    assert form.is_valid() and form.cleaned_data["month"] == dt.date(2026, 3, 1)
    assert 'value="2026-03"' in str(Sample(initial={"month": dt.date(2026, 3, 1)})["month"])


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (HUGE, "An amount is at most Rp 100,000,000,000,000."),
        (str(10**14 + 1), "An amount is at most Rp 100,000,000,000,000."),
        ("-1", "The amount cannot be negative."),
        ("Rp -5", "The amount cannot be negative."),
        ("1e309", AMOUNT_FORM),
        ("NaN", AMOUNT_FORM),
        ("16.80", AMOUNT_FORM),
        ("1.6800", AMOUNT_FORM),
        ("184,363,200", AMOUNT_FORM),
        ("184.363.200,50", AMOUNT_FORM),
        ("184363200.00", AMOUNT_FORM),
        ("USD 5.000", AMOUNT_FORM),
        ("٣٠٠", AMOUNT_FORM),
        ("²", AMOUNT_FORM),
        ("9" * 5000, AMOUNT_FORM),
    ],
)
def test_an_amount_is_whole_rupiah_from_0_to_100_trillion(amount: str, message: str) -> None:
    assert _errors(amount=amount) == {"amount": [message]}


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("184363200", 184_363_200),
        ("184.363.200", 184_363_200),
        ("Rp 184.363.200", 184_363_200),
        ("Rp184.363.200,00", 184_363_200),
        ("rp. 5.000,-", 5_000),
        ("\u00a0Rp\u00a016.800 ", 16_800),
        ("0", 0),
        ("100.000.000.000.000", 10**14),
    ],
)
def test_an_amount_is_taken_as_indonesians_type_it(typed: str, amount: int) -> None:
    form = Sample({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == amount


def test_an_amount_is_refused_with_the_form_it_should_have_in_indonesian() -> None:
    with translation.override("id"):
        assert _errors(amount="184,363,200") == {
            "amount": ["Tulis jumlah dalam rupiah bulat, misalnya 184.363.200 atau Rp 184.363.200."]
        }


def test_an_amount_box_takes_dots_and_shows_a_given_amount_with_them() -> None:
    html = str(Sample(initial={"amount": 184_363_200})["amount"])
    assert 'type="text"' in html and 'value="184.363.200"' in html
    typed = str(Sample({"amount": "Rp 184.363.200"})["amount"])
    assert 'value="Rp 184.363.200"' in typed  # what was typed comes back as typed


def test_an_amount_field_takes_0_and_100_trillion_and_its_minimum_can_be_raised() -> None:
    assert _errors(amount="0") == {} and _errors(amount=str(10**14)) == {}
    assert "paid" in _errors(paid="0")


def test_the_limits_read_the_indonesian_way_in_indonesian() -> None:
    with translation.override("id"):
        assert _errors(amount=HUGE) == {"amount": ["Jumlah paling banyak Rp 100.000.000.000.000."]}
        assert _errors(day="9999-12-31") == {"day": ["Masukkan tanggal dari 2000-01-01 sampai 2100-12-31."]}
        assert _errors(workers=HUGE) == {"workers": ["Jumlah pekerja paling banyak 100.000.000."]}


def test_a_number_of_workers_is_at_most_100_million_and_an_id_at_most_a_bigint() -> None:
    assert _errors(workers=str(10**8)) == {}
    assert _errors(workers=str(10**8 + 1)) == {"workers": ["A number of workers is at most 100,000,000."]}
    assert list(_errors(row=HUGE)) == ["row"] and list(_errors(row="0")) == ["row"]


def test_the_services_refuse_with_the_fields_words() -> None:
    assert inputs.era_refusal(dt.date(1, 1, 1)) == "Enter a date from 2000-01-01 to 2100-12-31."
    assert inputs.era_refusal(dt.date(2026, 3, 10)) is None
    assert inputs.rupiah_refusal(10**14 + 1) == "An amount is at most Rp 100,000,000,000,000."
    assert inputs.rupiah_refusal(10**14) is None


@pytest.mark.django_db
@pytest.mark.parametrize("key", [HUGE, "-1", "²", "1.5", "\x00"])
def test_a_choice_by_id_refuses_what_a_bigint_key_cannot_be(key: str) -> None:
    field = inputs.KeyChoiceField(queryset=Programme.objects.all())
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(key)
    assert refused.value.code == "invalid_choice"


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["\x00", "61.01\x00", "6" * 14])
def test_a_choice_by_code_refuses_a_nul_or_a_code_longer_than_its_column(key: str) -> None:
    field = inputs.KeyChoiceField(queryset=Region.objects.all(), to_field_name="code")
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(key)
    assert refused.value.code == "invalid_choice"
    assert field.clean("61.01") == Region.objects.get(code="61.01")


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "keys"), [(Programme, ["1", HUGE]), (Programme, ["²"]), (Region, ["61", "\x00"])])
def test_a_choice_of_several_refuses_any_key_its_column_cannot_hold(model: Any, keys: list[str]) -> None:
    field = inputs.KeysChoiceField(queryset=model.objects.all())
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(keys)
    assert refused.value.code == "invalid_pk_value"
