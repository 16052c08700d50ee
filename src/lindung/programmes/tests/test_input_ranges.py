"""A programme's period and declared income are what every budget, dashboard and report prices its months
with: a programme saved through the admin must lie in the programme era (2000 to 2100), start when the
contribution rules are in force and declare at least the minimum income of every month. One that did not
made the budget page, the dashboard and the reports a server error for everybody."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from lindung.programmes.models import Programme
from lindung.testing import make_programme, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def kalbar(db: None) -> Programme:
    return make_programme("KALBAR-2026")


def _errors(programme: Programme, **changes: Any) -> dict[str, list[str]]:
    for name, value in changes.items():
        setattr(programme, name, value)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        programme.full_clean()
    return refused.value.message_dict


def test_a_period_outside_the_era_is_refused(kalbar: Programme) -> None:
    errors = _errors(kalbar, coverage_start=dt.date(1, 1, 1), coverage_end=dt.date(9999, 12, 31))
    assert errors["coverage_start"] == ["Enter a date from 2000-01-01 to 2100-12-31."]
    assert errors["coverage_end"] == ["Enter a date from 2000-01-01 to 2100-12-31."]


def test_a_period_starting_before_the_contribution_rules_is_refused(kalbar: Programme) -> None:
    errors = _errors(kalbar, coverage_start=dt.date(2015, 6, 1))
    assert errors["coverage_start"] == [
        "No contribution rates are in force in 2015-06: coverage can start once the rules are in force."
    ]


def test_a_declared_income_below_the_minimum_is_refused(kalbar: Programme) -> None:
    assert _errors(kalbar, declared_income=999_999)["declared_income"] == [
        "The declared income is below the minimum of Rp 1,000,000 in force in 2026-01."
    ]


def test_the_demo_s_programmes_are_valid(kalbar: Programme) -> None:
    kalbar.full_clean()
    kalbar.coverage_start, kalbar.coverage_end = dt.date(2015, 7, 1), dt.date(2100, 12, 31)
    kalbar.full_clean()


@pytest.mark.parametrize(
    "change",
    [{"coverage_start": "0001-01-01"}, {"coverage_start": "2000-01-01"}, {"declared_income": "1"}],
)
def test_the_admin_shows_the_refusal_instead_of_saving_a_programme_no_page_could_price(
    kalbar: Programme, change: dict[str, str]
) -> None:
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    form = {
        "code": kalbar.code,
        "name": kalbar.name,
        "funder_type": kalbar.funder_type,
        "funder_name": kalbar.funder_name,
        "region": "61",
        "fiscal_year": "2026",
        "coverage_start": "2026-01-01",
        "coverage_end": "2026-12-31",
        "budget_ceiling": str(kalbar.budget_ceiling),
        "target_workers": str(kalbar.target_workers),
        "declared_income": "1000000",
        "includes_jkk": "on",
        "includes_jkm": "on",
        "quotas-TOTAL_FORMS": "0",
        "quotas-INITIAL_FORMS": "0",
        **change,
    }
    response = client.post(f"/admin/programmes/programme/{kalbar.pk}/change/", form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    kalbar.refresh_from_db()
    assert (kalbar.coverage_start, kalbar.declared_income) == (dt.date(2026, 1, 1), 1_000_000)
