"""Records the personal-data tests build alike."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.enrolments.models import Enrolment


def make_claim(enrolment: Enrolment, status: str) -> Claim:
    now = timezone.now()
    claim = Claim(
        enrolment=enrolment,
        worker=enrolment.worker,
        programme=enrolment.programme,
        village_id=enrolment.village_id,
        type=ClaimType.JKM,
        status=status,
        incident_date=dt.date(2026, 6, 1),
        incident_place="Desa Sebangun",
        description="Meninggal di rumah",
        reporter_name="Siti Aminah",
        reporter_phone="+6281311112222",
        reported_at=now,
        income=1_000_000,
        covered=True,
        coverage_reason="covered",
        coverage_message="-",
        status_changed_at=now,
        paid_amount=42_000_000 if status == ClaimStatus.PAID else None,
        paid_on=dt.date(2026, 7, 1) if status == ClaimStatus.PAID else None,
    )
    claim.stamp_region()
    claim.save()
    return claim
