"""Payments, invoices and the budget's what-if take dates of the programme era (2000 to 2100), amounts of
rupiah up to Rp 100 trillion and head counts up to 100 million: beyond, a message next to the field in the
user's language, never a server error, and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from lindung.contributions.finance import ContributionError
from lindung.contributions.models import Invoice, Payment
from lindung.contributions.payments import payment_record
from lindung.programmes.models import Programme
from lindung.testing import Cast, client_for

pytestmark = pytest.mark.django_db

HUGE = str(2**63)


def _payment(programme: Programme, **fields: str) -> dict[str, str]:
    return {"programme": str(programme.pk), "paid_on": "2026-03-10", "amount": "33600", "reference": "SP2D-1", **fields}


@pytest.mark.parametrize("amount", [HUGE, str(10**30), str(10**14 + 1)])
def test_a_payment_above_rp_100_trillion_is_refused_next_to_the_amount(
    cast: Cast, programme: Programme, amount: str
) -> None:
    response = client_for(cast["keuangan"]).post("/iuran/pembayaran/", _payment(programme, amount=amount))
    assert response.status_code == 400
    assert response.context["form"].errors["amount"] == ["An amount is at most Rp 100,000,000,000,000."]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("paid_on", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_a_payment_dated_outside_2000_to_2100_is_refused_next_to_the_date(
    cast: Cast, programme: Programme, paid_on: str
) -> None:
    response = client_for(cast["keuangan"]).post("/iuran/pembayaran/", _payment(programme, paid_on=paid_on))
    assert response.status_code == 400
    assert response.context["form"].errors["paid_on"] == ["Enter a date from 2000-01-01 to 2100-12-31."]
    assert not Payment.objects.exists()


def test_the_amount_message_is_indonesian_by_default(cast: Cast, programme: Programme) -> None:
    response = client_for(cast["keuangan"], "id").post("/iuran/pembayaran/", _payment(programme, amount=HUGE))
    assert response.context["form"].errors["amount"] == ["Jumlah paling banyak Rp 100.000.000.000.000."]


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("change", "field"),
    [({"paid_on": dt.date(1, 1, 1)}, "paid_on"), ({"amount": 10**14 + 1}, "amount")],
)
def test_the_payment_service_refuses_what_the_form_refuses(
    programme: Programme, change: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"paid_on": dt.date(2026, 3, 10), "amount": 33_600, **change}
    with pytest.raises(ContributionError) as refused:
        payment_record(actor=None, programme=programme, reference="SP2D-1", **values)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert not Payment.objects.exists()


def test_a_payment_of_rp_100_trillion_on_the_last_day_of_2100_is_taken(cast: Cast, programme: Programme) -> None:
    form = _payment(programme, amount=str(10**14), paid_on="2100-12-31")
    assert client_for(cast["keuangan"]).post("/iuran/pembayaran/", form).status_code == 302
    assert Payment.objects.get().amount == 10**14


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2101-01"])
def test_an_invoice_month_outside_the_era_is_refused_next_to_the_month(
    cast: Cast, programme: Programme, month: str
) -> None:
    response = client_for(cast["keuangan"]).post("/iuran/tagih/", {"programme": programme.pk, "month": month})
    assert response.status_code == 400
    assert response.context["form"].errors["month"] == ["Enter a month from 2000-01 to 2100-12."]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"workers": str(10**30)}, "workers", "A number of workers is at most 100,000,000."),
        ({"ceiling": HUGE}, "ceiling", "An amount is at most Rp 100,000,000,000,000."),
        ({"end_month": "9999-12"}, "end_month", "Enter a month from 2000-01 to 2100-12."),
    ],
)
def test_the_what_if_refuses_absurd_values_next_to_their_field(
    cast: Cast, programme: Programme, query: dict[str, str], field: str, message: str
) -> None:
    response = client_for(cast["keuangan"]).get("/anggaran/", {"programme": str(programme.pk), **query})
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
