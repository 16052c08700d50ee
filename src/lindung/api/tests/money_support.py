"""What the money, claims, coverage and figures API tests share: a connected system with a real token (registered
with ``api_client_create``, its token from ``POST /api/v1/oauth/token``), and two regencies' programmes.

Kabupaten Sambas (61.01) and Kota Pontianak (61.71) each fund a programme of their own; each has active workers.
A Sambas client must never read, count or change anything of Pontianak's.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from lindung.accounts.api_access import api_client_create
from lindung.accounts.models import ApiClient, User
from lindung.api.tests.support import token_from_endpoint
from lindung.audit.models import AuditEntry
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.models import Invoice
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import FunderType, Programme
from lindung.testing import PONTIANAK_VILLAGE, SAMBAS_VILLAGE, make_enrolment, make_programme, make_worker

_names = itertools.count(1)


@dataclass
class Caller:
    """A connected system calling the API with its bearer token."""

    client: Client
    token: str
    api_client: ApiClient

    @property
    def user(self) -> User:
        return self.api_client.user

    @property
    def principal(self) -> str:
        return f"api client:{self.api_client.pk}"

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": "en", **(headers or {})}

    def get(self, path: str, data: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(path, data or {}, headers=self._headers(headers))

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.post(
            path, json.dumps(body or {}), content_type="application/json", headers=self._headers(headers)
        )


def api_caller(region: str, *scopes: str) -> Caller:
    """A system registered for ``region`` with ``scopes``, holding a token from the token endpoint."""
    registered, secret = api_client_create(
        actor=None, name=f"Sistem {region} {next(_names)}", region_code=region, scopes=list(scopes)
    )
    return Caller(client=Client(), token=token_from_endpoint(registered, secret), api_client=registered)


def problem_fields(response: Any) -> list[str]:
    """The fields a 422 problem names."""
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    return [error["field"] for error in response.json()["errors"]]


def entries_after(last: int, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=last, action=action).order_by("pk"))


def last_entry() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@dataclass
class TwoRegencies:
    sambas: Programme  # SAMBAS-2026, the regency's own (61.01)
    pontianak: Programme  # PONTIANAK-2026, the city's own (61.71)
    sambas_enrolments: list[Enrolment]
    pontianak_enrolments: list[Enrolment]


def two_regencies() -> TwoRegencies:
    sambas = make_programme(
        "SAMBAS-2026",
        region_id="61.01",
        funder_type=FunderType.APBD_KABKOTA,
        funder_name="Pemerintah Kabupaten Sambas",
        target_workers=50,
    )
    pontianak = make_programme(
        "PONTIANAK-2026",
        region_id="61.71",
        funder_type=FunderType.APBD_KABKOTA,
        funder_name="Pemerintah Kota Pontianak",
        target_workers=40,
    )
    sambas_enrolments = [
        make_enrolment(make_worker(village=SAMBAS_VILLAGE, name=name), sambas, Status.ACTIVE)
        for name in ("Budi Santoso", "Siti Aminah")
    ]
    pontianak_enrolments = [
        make_enrolment(make_worker(village=PONTIANAK_VILLAGE, name="Ahmad Pontianak"), pontianak, Status.ACTIVE)
    ]
    return TwoRegencies(sambas, pontianak, sambas_enrolments, pontianak_enrolments)


def issued(programme: Programme, month: int) -> Invoice:
    """The programme's invoice of ``month`` of 2026, built and issued by the system."""
    invoice = invoice_build(actor=None, programme=programme, month=dt.date(2026, month, 1))
    return invoice_issue(actor=None, invoice=invoice)
