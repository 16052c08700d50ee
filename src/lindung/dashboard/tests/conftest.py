"""A small province with known figures: two programmes, six enrolments, three months billed, two claims.

KALBAR-2026 (province, target 1,000, quotas Sambas 10 and Pontianak 5):
  s1 Sambas 61.01.01, man, 36, farmer, active from January
  s2 Sambas 61.01.01, woman, 26, fisher, active from February
  s3 Sambas 61.01.02, woman, 66, farmer, ended at the end of March (JKM claim paid Rp 42,000,000)
  s4 Sambas 61.01.02, man, proposed
  p1 Pontianak 61.71.01, man, 55, fisher, active from March (JKK claim reported in May)
SAMBAS-2026 (Sambas regency budget, target 4):
  s5 Sambas 61.01.01, woman, 21, farmer, active from April

January to March are billed; January and February paid; on 11 April March is one month in arrears for s1, s2
and p1. Ages are on 26 November 2026, the day of the figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.coverage import coverage_update
from lindung.contributions.payments import payment_record
from lindung.dashboard.services import dashboard_refresh
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import FunderType, Programme
from lindung.testing import PONTIANAK_VILLAGE, SAMBAS_VILLAGE, make_enrolment, make_programme, make_worker, set_quota
from lindung.workers.models import OccupationCategory, Worker

TODAY = dt.date(2026, 11, 26)
SAMBAS_OTHER_DISTRICT = "61.01.02.2001"


@dataclass
class Province:
    kalbar: Programme
    sambas: Programme
    enrolments: dict[str, Enrolment]
    claims: dict[str, Claim]


def _claim(enrolment: Enrolment, type: str, day: dt.date, status: str, **fields: object) -> Claim:
    now = timezone.now()
    claim = Claim(
        enrolment=enrolment,
        worker=enrolment.worker,
        programme=enrolment.programme,
        village_id=enrolment.village_id,
        type=type,
        status=status,
        incident_date=day,
        incident_place="Desa",
        description="-",
        reporter_name="Siti",
        reported_at=now,
        income=1_000_000,
        covered=True,
        coverage_reason="covered",
        coverage_message="-",
        status_changed_at=now,
        **fields,
    )
    claim.stamp_region()
    claim.save()
    return claim


@pytest.fixture
def province(db: None) -> Province:
    farmer = OccupationCategory.objects.get(code="PETANI")
    fisher = OccupationCategory.objects.get(code="NELAYAN")
    kalbar = make_programme("KALBAR-2026", target_workers=1_000)
    set_quota(kalbar, "61.01", 10)
    set_quota(kalbar, "61.71", 5)
    sambas = make_programme(
        "SAMBAS-2026",
        region_id="61.01",
        funder_type=FunderType.APBD_KABKOTA,
        funder_name="Pemerintah Kabupaten Sambas",
        target_workers=4,
    )

    def worker(village: str, sex: str, born: dt.date, occupation: OccupationCategory) -> Worker:
        return make_worker(village=village, sex=sex, birth_date=born, occupation=occupation)

    enrolments = {
        "s1": make_enrolment(
            worker(SAMBAS_VILLAGE, "L", dt.date(1990, 3, 1), farmer),
            kalbar,
            Status.ACTIVE,
            coverage_start=dt.date(2026, 1, 1),
        ),
        "s2": make_enrolment(
            worker(SAMBAS_VILLAGE, "P", dt.date(2000, 6, 1), fisher),
            kalbar,
            Status.ACTIVE,
            coverage_start=dt.date(2026, 2, 1),
        ),
        "s3": make_enrolment(
            worker(SAMBAS_OTHER_DISTRICT, "P", dt.date(1960, 1, 1), farmer),
            kalbar,
            Status.ENDED,
            coverage_start=dt.date(2026, 1, 1),
            coverage_end=dt.date(2026, 3, 31),
            end_reason="died",
        ),
        "s4": make_enrolment(worker(SAMBAS_OTHER_DISTRICT, "L", dt.date(1985, 1, 1), farmer), kalbar, Status.PROPOSED),
        "p1": make_enrolment(
            worker(PONTIANAK_VILLAGE, "L", dt.date(1970, 12, 1), fisher),
            kalbar,
            Status.ACTIVE,
            coverage_start=dt.date(2026, 3, 1),
        ),
        "s5": make_enrolment(
            worker(SAMBAS_VILLAGE, "P", dt.date(2005, 1, 1), farmer),
            sambas,
            Status.ACTIVE,
            coverage_start=dt.date(2026, 4, 1),
        ),
    }
    invoices = [
        invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=kalbar, month=dt.date(2026, m, 1)))
        for m in (1, 2, 3)
    ]
    for invoice in invoices[:2]:
        invoice.refresh_from_db()
        payment_record(
            actor=None, programme=kalbar, paid_on=invoice.month, amount=invoice.total, reference=f"SP2D-{invoice.pk}"
        )
    coverage_update(today=dt.date(2026, 4, 11))
    claims = {
        "jkm": _claim(
            enrolments["s3"],
            ClaimType.JKM,
            dt.date(2026, 3, 15),
            ClaimStatus.PAID,
            paid_amount=42_000_000,
            paid_on=dt.date(2026, 4, 20),
        ),
        "stmb": _claim(enrolments["p1"], ClaimType.JKK_STMB, dt.date(2026, 5, 1), ClaimStatus.REPORTED, stmb_months=2),
    }
    dashboard_refresh(today=TODAY)
    return Province(kalbar=kalbar, sambas=sambas, enrolments=enrolments, claims=claims)
