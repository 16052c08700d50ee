from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lindung.claims.benefits import (
    BenefitInputError,
    BenefitRequest,
    BenefitResult,
    BenefitType,
    add_months,
    calculate_benefit,
    whole_months_between,
)
from lindung.errors import RefusedStep
from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

START = dt.date(2026, 1, 15)
LATER = dt.date(2026, 6, 1)


def benefit(kind: BenefitType, incident: dt.date = LATER, start: dt.date = START, **extra: Any) -> BenefitResult:
    return calculate_benefit(BenefitRequest(type=kind, membership_start=start, incident=incident, **extra))


def amounts(result: BenefitResult) -> dict[str, int]:
    return {item.code: item.amount for item in result.items}


# --- calendar months ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 15), 3, dt.date(2026, 4, 15)),
        (dt.date(2024, 11, 30), 3, dt.date(2025, 2, 28)),
        (dt.date(2023, 11, 30), 3, dt.date(2024, 2, 29)),
        (dt.date(2024, 2, 29), 36, dt.date(2027, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2024, 1, 31), 2, dt.date(2024, 3, 31)),
        (dt.date(2025, 12, 31), 1, dt.date(2026, 1, 31)),
    ],
)
def test_adding_months_keeps_the_day_of_the_month_or_the_last_day_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (dt.date(2026, 1, 15), 0),
        (dt.date(2026, 2, 14), 0),
        (dt.date(2026, 2, 15), 1),
        (dt.date(2029, 1, 14), 35),
        (dt.date(2029, 1, 15), 36),
        (dt.date(2025, 1, 1), 0),
    ],
)
def test_whole_months_count_a_month_only_once_its_day_is_reached(end, expected):
    assert whole_months_between(dt.date(2026, 1, 15), end) == expected


# --- JKM ------------------------------------------------------------------------------------


def test_a_death_pays_42_million_as_lump_sum_periodic_benefit_and_funeral_costs():
    result = benefit(BenefitType.JKM)
    assert result.eligible
    assert result.total == 42_000_000
    assert amounts(result) == {"lump-sum": 20_000_000, "periodic": 12_000_000, "funeral": 10_000_000}
    assert [item.label for item in result.items] == ["Lump sum", "Periodic benefit, paid at once", "Funeral costs"]
    assert result.notes == ()


def test_a_death_in_the_first_three_months_pays_10_million_only():
    result = benefit(BenefitType.JKM, incident=dt.date(2026, 3, 1))
    assert result.eligible
    assert result.total == 10_000_000
    assert amounts(result) == {"early-death": 10_000_000}
    assert "within the first 3 months of membership" in result.reasons[0]


@pytest.mark.parametrize(
    ("start", "last_early_day", "first_full_day"),
    [
        (dt.date(2026, 1, 15), dt.date(2026, 4, 14), dt.date(2026, 4, 15)),
        # Month-end starts: three months later is the end of the shorter month.
        (dt.date(2024, 11, 30), dt.date(2025, 2, 27), dt.date(2025, 2, 28)),
        (dt.date(2023, 11, 30), dt.date(2024, 2, 28), dt.date(2024, 2, 29)),
        (dt.date(2024, 2, 29), dt.date(2024, 5, 28), dt.date(2024, 5, 29)),
    ],
)
def test_the_early_death_period_ends_three_calendar_months_after_the_start_to_the_day(
    start, last_early_day, first_full_day
):
    assert benefit(BenefitType.JKM, incident=last_early_day, start=start).total == 10_000_000
    assert benefit(BenefitType.JKM, incident=first_full_day, start=start).total == 42_000_000


def test_a_death_on_the_first_day_of_membership_is_covered_with_the_early_death_benefit():
    result = benefit(BenefitType.JKM, incident=START)
    assert result.eligible
    assert result.total == 10_000_000


@pytest.mark.parametrize(
    ("start", "day_before", "day"),
    [
        (dt.date(2023, 1, 15), dt.date(2026, 1, 14), dt.date(2026, 1, 15)),
        (dt.date(2024, 2, 29), dt.date(2027, 2, 27), dt.date(2027, 2, 28)),
        (dt.date(2022, 11, 30), dt.date(2025, 11, 29), dt.date(2025, 11, 30)),
    ],
)
def test_the_jkm_scholarship_starts_after_36_months_of_membership_to_the_day(start, day_before, day):
    before = benefit(BenefitType.JKM, incident=day_before, start=start)
    assert not before.scholarship.eligible
    assert "35 months of contributions: no children's scholarship (it needs at least 36)." in before.reasons
    on_the_day = benefit(BenefitType.JKM, incident=day, start=start)
    assert on_the_day.scholarship.eligible
    assert on_the_day.scholarship.max_children == 2
    assert on_the_day.scholarship.max_amount == 174_000_000
    # The scholarship is reported apart: it does not change the total.
    assert before.total == on_the_day.total == 42_000_000


def test_the_months_actually_paid_decide_the_scholarship_when_given():
    long_ago = dt.date(2020, 1, 1)
    assert not benefit(BenefitType.JKM, start=long_ago, paid_months=35).scholarship.eligible
    assert benefit(BenefitType.JKM, start=long_ago, paid_months=36).scholarship.eligible
    assert benefit(BenefitType.JKM, paid_months=40).scholarship.eligible


# --- JKK ------------------------------------------------------------------------------------


def test_a_death_from_a_work_accident_pays_48_times_income_plus_22_million():
    result = benefit(BenefitType.JKK_DEATH, income=2_500_000)
    assert result.total == 142_000_000
    assert amounts(result) == {"lump-sum": 120_000_000, "periodic": 12_000_000, "funeral": 10_000_000}
    assert result.items[0].label == "Death benefit: 48 × declared income"


def test_a_death_from_a_work_accident_gets_the_scholarship_with_no_minimum_period():
    result = benefit(BenefitType.JKK_DEATH, incident=START)
    assert result.total == 48_000_000 + 22_000_000
    assert result.scholarship.eligible


def test_total_permanent_disability_pays_56_times_income_plus_24_monthly_payments():
    result = benefit(BenefitType.JKK_TOTAL_DISABILITY)
    assert result.total == 68_000_000
    assert amounts(result) == {"lump-sum": 56_000_000, "periodic": 12_000_000}
    assert result.items[1].label == "Periodic benefit: Rp 500,000 × 24 months"
    assert result.scholarship.eligible


@pytest.mark.parametrize(
    ("percent", "income", "expected"),
    [
        (Decimal(10), 1_000_000, 8_000_000),
        (Decimal("12.5"), 2_000_000, 20_000_000),
        (Decimal(100), 1_000_000, 80_000_000),
        (Decimal("0.01"), 1_000_000, 8_000),
        # 33.33% × 80 × 1,000,001 = 26,664,026.664: rounded down to whole rupiah.
        (Decimal("33.33"), 1_000_001, 26_664_026),
        (10, 1_000_000, 8_000_000),
    ],
)
def test_partial_disability_pays_percent_times_80_times_income_rounded_down(percent, income, expected):
    result = benefit(BenefitType.JKK_PARTIAL_DISABILITY, percent=percent, income=income)
    assert amounts(result) == {"partial-disability": expected}
    assert result.total == expected
    assert not result.scholarship.eligible


def test_the_partial_disability_label_shows_the_percentage():
    result = benefit(BenefitType.JKK_PARTIAL_DISABILITY, percent=Decimal("12.50"))
    assert result.items[0].label == "Partial disability: 12.5% × 80 × declared income"


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (1, {"stmb-full-rate": 1_000_000}),
        (12, {"stmb-full-rate": 12_000_000}),
        (13, {"stmb-full-rate": 12_000_000, "stmb-reduced-rate": 500_000}),
        (15, {"stmb-full-rate": 12_000_000, "stmb-reduced-rate": 1_500_000}),
    ],
)
def test_temporary_incapacity_pays_full_income_for_12_months_then_half(months, expected):
    result = benefit(BenefitType.JKK_STMB, stmb_months=months)
    assert amounts(result) == expected
    assert result.total == sum(expected.values())


def test_fifteen_months_of_temporary_incapacity_at_1_million_pay_13_5_million():
    result = benefit(BenefitType.JKK_STMB, stmb_months=15)
    assert result.total == 13_500_000
    assert [item.label for item in result.items] == [
        "Temporary incapacity: 12 months at 100% of declared income",
        "Temporary incapacity: 3 months at 50% of declared income",
    ]


def test_half_of_an_odd_income_is_rounded_down_each_month():
    result = benefit(BenefitType.JKK_STMB, stmb_months=14, income=1_000_001)
    assert amounts(result) == {"stmb-full-rate": 12_000_012, "stmb-reduced-rate": 1_000_000}


@pytest.mark.parametrize("kind", [k for k in BenefitType if k.is_jkk])
def test_work_accident_benefits_note_medical_care_and_the_transport_ceilings(kind):
    needed: dict[BenefitType, dict[str, Any]] = {
        BenefitType.JKK_PARTIAL_DISABILITY: {"percent": Decimal(5)},
        BenefitType.JKK_STMB: {"stmb_months": 2},
    }
    extra = needed.get(kind, {})
    notes = benefit(kind, **extra).notes
    assert "Medical care is paid as medically needed, with no ceiling." in notes
    assert (
        "Transport of the injured worker is paid up to Rp 5,000,000 by land, Rp 2,000,000 by sea and "
        "Rp 10,000,000 by air." in notes
    )


# --- not covered, refused requests ------------------------------------------------------------


@pytest.mark.parametrize("kind", [BenefitType.JKM, BenefitType.JKK_DEATH])
def test_an_incident_before_the_membership_start_is_not_covered(kind):
    result = benefit(kind, incident=dt.date(2026, 1, 14))
    assert not result.eligible
    assert result.total == 0
    assert result.items == ()
    assert result.reasons == (
        "The incident (14 Jan 2026) is before the membership start (15 Jan 2026): it is not covered.",
    )
    assert result.scholarship.eligible is False
    assert result.scholarship.max_amount == 174_000_000


@pytest.mark.parametrize(
    ("kind", "extra", "field", "message"),
    [
        (BenefitType.JKK_PARTIAL_DISABILITY, {}, "percent", "Partial disability needs the disability percentage."),
        (BenefitType.JKK_PARTIAL_DISABILITY, {"percent": Decimal(0)}, "percent", "more than 0 and at most 100"),
        (BenefitType.JKK_PARTIAL_DISABILITY, {"percent": Decimal(-5)}, "percent", "more than 0"),
        (BenefitType.JKK_PARTIAL_DISABILITY, {"percent": Decimal("100.01")}, "percent", "at most 100"),
        (BenefitType.JKK_PARTIAL_DISABILITY, {"percent": Decimal("12.345")}, "percent", "at most two decimals"),
        (BenefitType.JKK_PARTIAL_DISABILITY, {"percent": Decimal("NaN")}, "percent", "at most 100"),
        (BenefitType.JKK_PARTIAL_DISABILITY, {"percent": 12.5}, "percent", "at most 100"),
        (BenefitType.JKM, {"percent": Decimal(10)}, "percent", "partial disability only"),
        (BenefitType.JKK_STMB, {}, "stmb_months", "needs the number of months unable to work"),
        (BenefitType.JKK_STMB, {"stmb_months": 0}, "stmb_months", "at least 1"),
        (BenefitType.JKK_DEATH, {"stmb_months": 3}, "stmb_months", "temporary incapacity only"),
        (BenefitType.JKM, {"income": 0}, "income", "positive whole number of rupiah"),
        (BenefitType.JKM, {"income": -1_000_000}, "income", "positive whole number"),
        (BenefitType.JKM, {"income": Decimal("1000000.5")}, "income", "positive whole number"),
        (BenefitType.JKM, {"income": True}, "income", "positive whole number"),
        (BenefitType.JKM, {"paid_months": -1}, "paid_months", "zero or more"),
        ("death", {}, "type", "death is not a benefit type."),
    ],
)
def test_a_bad_request_is_refused_with_a_sentence_naming_the_input(kind, extra, field, message):
    with pytest.raises(BenefitInputError, match=re.escape(message)) as refused:
        benefit(kind, **extra)
    assert isinstance(refused.value, RefusedStep)
    assert refused.value.field == field


def test_datetimes_are_refused_as_dates():
    with pytest.raises(BenefitInputError, match="calendar days"):
        benefit(BenefitType.JKM, incident=dt.datetime(2026, 6, 1, 12, 0))


def test_an_incident_before_the_benefit_rules_is_refused_rather_than_guessed():
    with pytest.raises(BenefitInputError, match=re.escape("No benefit rules are in force on 1 Nov 2019")):
        benefit(BenefitType.JKM, start=dt.date(2018, 1, 1), incident=dt.date(2019, 11, 1))


# --- versioned rules ----------------------------------------------------------------------------


def test_a_rate_change_applies_from_its_effective_date_and_earlier_incidents_keep_the_old_amount():
    RuleValue.objects.create(
        key=Rule.JKM_LUMP_SUM, effective_from=dt.date(2027, 1, 1), value=30_000_000, unit="rupiah", source="test"
    )
    RuleValue.objects.create(
        key=Rule.JKK_DEATH_INCOME_MULTIPLE, effective_from=dt.date(2027, 1, 1), value=60, unit="count", source="test"
    )
    assert benefit(BenefitType.JKM, incident=dt.date(2026, 12, 31)).total == 42_000_000
    assert benefit(BenefitType.JKM, incident=dt.date(2027, 1, 1)).total == 52_000_000
    assert benefit(BenefitType.JKK_DEATH, incident=dt.date(2026, 12, 31)).total == 70_000_000
    new = benefit(BenefitType.JKK_DEATH, incident=dt.date(2027, 1, 1))
    assert new.total == 82_000_000
    assert new.items[0].label == "Death benefit: 60 × declared income"


def test_the_rules_are_read_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        benefit(BenefitType.JKK_STMB, stmb_months=20)


# --- results ------------------------------------------------------------------------------------


def test_the_result_as_a_dict_has_the_shape_of_the_json_output():
    result = benefit(BenefitType.JKM, incident=dt.date(2026, 3, 1))
    assert result.as_dict() == {
        "type": "jkm",
        "eligible": True,
        "reasons": [
            "The death is before 15 Apr 2026, within the first 3 months of membership: only the early-death "
            "benefit is paid.",
            "1 month of contributions: no children's scholarship (it needs at least 36).",
        ],
        "total": 10_000_000,
        "items": [
            {"code": "early-death", "label": "Death benefit in the first months of membership", "amount": 10_000_000}
        ],
        "scholarship": {"eligible": False, "max_children": 2, "max_amount": 174_000_000},
        "notes": [],
    }


def test_each_benefit_type_has_a_label_and_is_offered_as_a_choice():
    assert BenefitType.JKM.label == "Death (JKM)"
    assert [value for value, _label in BenefitType.choices()] == [
        "jkm",
        "jkk-death",
        "jkk-total-disability",
        "jkk-partial-disability",
        "jkk-stmb",
    ]


_day = st.dates(min_value=dt.date(2019, 12, 2), max_value=dt.date(2045, 12, 31))


def test_the_total_is_the_sum_of_the_items_which_are_whole_non_negative_rupiah():
    @settings(max_examples=200, deadline=None)
    @given(
        kind=st.sampled_from(BenefitType),
        start=_day,
        incident=_day,
        income=st.integers(min_value=1, max_value=10**12),
        paid_months=st.none() | st.integers(min_value=0, max_value=600),
        hundredths=st.integers(min_value=1, max_value=10_000),
        stmb_months=st.integers(min_value=1, max_value=240),
    )
    def check(kind, start, incident, income, paid_months, hundredths, stmb_months):
        result = calculate_benefit(
            BenefitRequest(
                type=kind,
                membership_start=start,
                incident=incident,
                income=income,
                paid_months=paid_months,
                percent=Decimal(hundredths) / 100 if kind is BenefitType.JKK_PARTIAL_DISABILITY else None,
                stmb_months=stmb_months if kind is BenefitType.JKK_STMB else None,
            )
        )
        assert result.total == sum(item.amount for item in result.items)
        assert result.as_dict()["total"] == result.total
        for item in result.items:
            assert type(item.amount) is int
            assert item.amount >= 0
        assert result.eligible == (incident >= start)
        assert bool(result.items) == result.eligible

    # Inside the test, not as the test: pytest-django's database fixture would be shared by the examples.
    check()
