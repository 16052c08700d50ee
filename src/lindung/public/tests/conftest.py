"""The public check's cast: Budi Santoso, covered this month by a provincial programme paid up to now.

Every POST is padded to ``LINDUNG_PUBLIC_CHECK_MS``; the tests set it to 0 except the timing test.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.payments import payment_record
from lindung.enrolments.models import Status
from lindung.months import month_start
from lindung.programmes.models import Programme
from lindung.public.offices import offices_load
from lindung.testing import make_enrolment, make_programme, make_worker
from lindung.workers.models import Worker

BIRTH_DATE = dt.date(1980, 5, 17)
KPJ = "98765432101"


@pytest.fixture(autouse=True)
def _no_padding(settings) -> None:
    settings.LINDUNG_PUBLIC_CHECK_MS = 0


@pytest.fixture(autouse=True)
def _offices(db: None) -> None:
    # The migration loads them; loading again (a no-op) keeps the tests independent of a flushed database.
    offices_load()


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def programme(db: None, today: dt.date) -> Programme:
    """This year's provincial programme, January to December."""
    return make_programme("KALBAR-PUBLIK", year=today.year, name="Perlindungan Pekerja Rentan Kalbar")


def bill_and_pay(programme: Programme, *, through: dt.date, pay: bool = True) -> None:
    """Issue the programme's invoices from its first month to ``through``'s, and pay them all if ``pay``."""
    month, total = month_start(programme.coverage_start), 0
    while month <= month_start(through):
        total += invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=month)).total
        month = (month + dt.timedelta(days=32)).replace(day=1)
    if pay and total:
        payment_record(actor=None, programme=programme, paid_on=through, amount=total, reference="SP2D-PUBLIK")


@pytest.fixture
def covered(programme: Programme, today: dt.date) -> Worker:
    """Budi Santoso of Sambas, active in the programme since January with every month up to this one paid."""
    worker = make_worker(name="Budi Santoso", birth_place="Paloh", address="Jl. Merdeka No. 7", birth_date=BIRTH_DATE)
    make_enrolment(worker, programme, Status.ACTIVE, kpj=KPJ)
    bill_and_pay(programme, through=today)
    return worker


def post_check(client: Client, nik: str, birth_date: str, *, ip: str = "10.0.0.1", forwarded_for: str | None = None):
    """The form posted from ``ip``, through a proxy that forwarded for ``forwarded_for`` if given."""
    headers: dict[str, Any] = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return client.post(reverse("public:check"), {"nik": nik, "birth_date": birth_date}, REMOTE_ADDR=ip, **headers)


_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf(body: bytes) -> bytes:
    """The page without its CSRF token, which Django masks afresh in every response."""
    return _CSRF.sub(b'name="csrfmiddlewaretoken" value=""', body)
