"""The worker forms take birth dates from 1900 to today, incomes up to Rp 100 trillion, at most 20 heirs and
only keys their columns can hold; the region picker and the list's search ignore what they cannot use. Never a
server error (PostgreSQL refuses a NUL in text with one), never a page of a thousand empty heirs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lindung.testing import SAMBAS_VILLAGE, Cast, client_for
from lindung.workers.forms import WorkerFilterForm
from lindung.workers.models import Worker
from lindung.workers.tests.conftest import form_post, registration

pytestmark = pytest.mark.django_db

HUGE = str(2**63)


def _register(cast: Cast, **fields: str) -> Any:
    return client_for(cast["operator_sambas"]).post("/pekerja/daftar/", {**form_post(registration()), **fields})


@pytest.mark.parametrize("birth_date", ["1899-12-31", "0001-01-01", "9999-12-31"])
def test_a_birth_date_before_1900_or_after_today_is_refused_next_to_it(cast: Cast, birth_date: str) -> None:
    response = _register(cast, birth_date=birth_date)
    errors = response.context["form"].errors["birth_date"]
    assert errors[0].startswith("Enter a date from 1900-01-01 to "), errors
    assert not Worker.objects.exists()


def test_a_birth_date_of_tomorrow_is_refused(cast: Cast) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    assert "birth_date" in _register(cast, birth_date=tomorrow.isoformat()).context["form"].errors


@pytest.mark.parametrize("income", [HUGE, str(10**14 + 1)])
def test_an_income_above_rp_100_trillion_is_refused_next_to_it(cast: Cast, income: str) -> None:
    response = _register(cast, declared_income=income)
    assert response.context["form"].errors["declared_income"] == ["An amount is at most Rp 100,000,000,000,000."]


@pytest.mark.parametrize("role", ["operator_sambas", "operator_pontianak"])
@pytest.mark.parametrize("village", ["\x00", SAMBAS_VILLAGE + "\x00", "6" * 500])
def test_a_village_code_no_region_can_have_is_an_invalid_choice(cast: Cast, role: str, village: str) -> None:
    response = client_for(cast[role]).post("/pekerja/daftar/", {**form_post(registration()), "village": village})
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert not Worker.objects.exists()


@pytest.mark.parametrize("total", [HUGE, "1000", "21"])
def test_a_form_claiming_more_than_twenty_heirs_builds_at_most_twenty_and_says_so(cast: Cast, total: str) -> None:
    response = _register(cast, **{"heirs-TOTAL_FORMS": total})
    heirs = response.context["heirs"]
    assert len(heirs.forms) <= 20
    assert heirs.non_form_errors()
    assert not Worker.objects.exists()


@pytest.mark.parametrize("parent", ["\x00", "61\x00", "6" * 500, "²"])
def test_the_region_picker_answers_no_regions_for_a_parent_that_cannot_exist(cast: Cast, parent: str) -> None:
    response = client_for(cast["operator_sambas"]).get("/pekerja/wilayah/", {"parent": parent})
    assert response.status_code == 200 and response.json() == {"regions": []}


@pytest.mark.parametrize("q", ["\x00", "ab\x00", "\x00" * 200])
def test_a_search_holding_a_nul_searches_for_nothing_it_cannot_store(cast: Cast, q: str) -> None:
    searched, _filters, _sort = WorkerFilterForm({"q": q}, user=cast["operator_sambas"]).search()
    assert "\x00" not in searched


def test_a_family_card_number_of_other_digits_than_0_to_9_is_refused(cast: Cast) -> None:
    response = _register(cast, kk_number="²" * 16)
    assert "kk_number" in response.context["form"].errors
