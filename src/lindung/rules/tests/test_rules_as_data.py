from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lindung.programmes.rates import IncomeBelowMinimum, monthly_contribution
from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue
from lindung.rules.selectors import RuleMissing, rule_value, rules_in_force
from lindung.rules.services import rules_load

pytestmark = pytest.mark.django_db

JAN_2024 = dt.date(2024, 1, 1)


def test_every_rule_key_has_a_value_with_a_legal_source():
    in_force = rules_in_force(on=dt.date(2026, 11, 26))
    assert set(in_force) == set(Rule)
    assert not RuleValue.objects.filter(source="").exists()


def test_the_usual_government_package_costs_16800_rupiah_a_month():
    cost = monthly_contribution(month=JAN_2024, declared_income=1_000_000, government_funded=True)
    assert (cost.jkk, cost.jkm, cost.jht, cost.total) == (10_000, 6_800, 0, 16_800)


def test_the_package_with_jht_costs_36800_rupiah_a_month():
    cost = monthly_contribution(month=JAN_2024, declared_income=1_000_000, government_funded=True, jht=True)
    assert cost.total == 36_800


def test_pp_50_2025_discount_does_not_apply_to_apbd_funded_workers_in_2026():
    apbd = monthly_contribution(month=dt.date(2026, 3, 1), declared_income=1_000_000, government_funded=True)
    assert (apbd.total, apbd.discount) == (16_800, 0)


def test_pp_50_2025_halves_jkk_and_jkm_for_self_paying_workers_from_2026():
    before = monthly_contribution(month=dt.date(2025, 12, 1), declared_income=1_000_000, government_funded=False)
    after = monthly_contribution(month=dt.date(2026, 1, 1), declared_income=1_000_000, government_funded=False)
    assert before.total == 16_800
    assert (after.jkk, after.jkm, after.total, after.discount) == (5_000, 3_400, 8_400, 8_400)


def test_jkk_is_one_percent_of_a_higher_declared_income_rounded_to_whole_rupiah():
    cost = monthly_contribution(month=JAN_2024, declared_income=1_234_567, government_funded=True)
    assert cost.jkk == 12_346  # 12,345.67 rounds half up
    assert isinstance(cost.total, int)


def test_declared_income_below_the_minimum_is_refused():
    with pytest.raises(IncomeBelowMinimum):
        monthly_contribution(month=JAN_2024, declared_income=999_999, government_funded=True)


def test_a_rate_change_with_a_later_effective_date_does_not_alter_earlier_months():
    RuleValue.objects.create(
        key=Rule.JKM_FLAT, effective_from=dt.date(2027, 7, 1), value=8_000, unit="rupiah", source="test regulation"
    )
    june = monthly_contribution(month=dt.date(2027, 6, 1), declared_income=1_000_000, government_funded=True)
    july = monthly_contribution(month=dt.date(2027, 7, 1), declared_income=1_000_000, government_funded=True)
    assert june.jkm == 6_800
    assert july.jkm == 8_000
    assert rule_value(Rule.JKM_FLAT, on=dt.date(2024, 5, 17)) == 6_800


def test_a_rule_starting_mid_month_prices_the_whole_month_by_the_rule_of_its_first_day():
    RuleValue.objects.create(
        key=Rule.JKK_RATE, effective_from=dt.date(2027, 3, 15), value=200, unit="bp", source="test regulation"
    )
    march = monthly_contribution(month=dt.date(2027, 3, 20), declared_income=1_000_000, government_funded=True)
    april = monthly_contribution(month=dt.date(2027, 4, 1), declared_income=1_000_000, government_funded=True)
    assert (march.jkk, april.jkk) == (10_000, 20_000)


def test_a_day_before_any_rule_has_no_value():
    with pytest.raises(RuleMissing):
        rule_value(Rule.JKM_FLAT, on=dt.date(2000, 1, 1))


def test_benefit_amounts_follow_pp_82_2019():
    rules = rules_in_force(on=dt.date(2026, 1, 1))
    jkm = rules[Rule.JKM_LUMP_SUM] + rules[Rule.JKM_PERIODIC] + rules[Rule.JKM_FUNERAL]
    assert jkm == 42_000_000
    assert rules[Rule.JKM_EARLY_DEATH] == 10_000_000
    assert rules[Rule.SCHOLARSHIP_MIN_MONTHS] == 36
    assert rules[Rule.MAX_AGE_AT_REGISTRATION] == 65
    assert rules[Rule.ARREARS_WINDOW] == 3


def test_loading_the_rule_file_again_changes_nothing():
    result = rules_load()
    assert (result.created, result.updated) == (0, 0)


def test_a_rule_file_row_without_a_source_is_refused(tmp_path: Path):
    bad = tmp_path / "rules.csv"
    bad.write_text(
        "key,effective_from,value,unit,source,confidence,note\ncontribution.jkm_flat,2030-01-01,7000,rupiah,,high,\n"
    )
    with pytest.raises(ValueError, match="legal source"):
        rules_load(path=bad)
    assert not RuleValue.objects.filter(effective_from=dt.date(2030, 1, 1)).exists()


def test_a_rule_file_with_an_unknown_key_is_refused(tmp_path: Path):
    bad = tmp_path / "rules.csv"
    bad.write_text("key,effective_from,value,unit,source,confidence,note\nno.such.rule,2030-01-01,1,count,X,high,\n")
    with pytest.raises(ValueError, match="unknown rule"):
        rules_load(path=bad)
