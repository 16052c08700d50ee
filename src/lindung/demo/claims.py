"""The demo's claims: a few dozen accidents and deaths of every type and status, through the claim services.

Older claims happened in the 2023 programme's paid months (January–June 2023) and are settled: paid by
BPJS (sometimes a little less than the estimate) or rejected. Recent ones happened in the autumn of 2026 on
active enrolments and are still open at every step. Dates of reporting and of each step are set back to
the story's own days after the services ran, since the services stamp "now".
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from lindung.accounts.models import User
from lindung.claims.documents import CHECKLISTS
from lindung.claims.models import DEATH_TYPES, Claim, ClaimStatus, ClaimType
from lindung.claims.services import (
    claim_advance,
    claim_documents_update,
    claim_heir_add,
    claim_register,
    is_reported_late,
)
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme
from lindung.workers.models import Heir, HeirRelation

# (type, status) for the settled 2023 claims and the open 2026 ones: every type meets every status.
_SETTLED_STATUSES = (ClaimStatus.PAID, ClaimStatus.PAID, ClaimStatus.REJECTED)
_OPEN_STATUSES = (ClaimStatus.REPORTED, ClaimStatus.COMPLETE, ClaimStatus.SUBMITTED)
SETTLED = [(kind, status) for kind in ClaimType for status in _SETTLED_STATUSES]
OPEN = [(kind, status) for kind in ClaimType for status in _OPEN_STATUSES]
NOT_COVERED = [(ClaimType.JKK_STMB, ClaimStatus.REJECTED), (ClaimType.JKM, ClaimStatus.REJECTED)]
PLACES = ("kebun karet", "sungai Kapuas", "ladang padi", "jalan desa", "dermaga", "pasar", "masjid", "rumah")
REJECTIONS = (
    "Bukan kecelakaan kerja: terjadi di luar kegiatan kerja.",
    "Berkas tidak dilengkapi dalam batas waktu.",
    "Data peserta tidak sesuai dengan Dukcapil.",
)
DESCRIPTIONS = {
    ClaimType.JKM: "Meninggal dunia karena sakit.",
    ClaimType.JKK_DEATH: "Meninggal dunia akibat kecelakaan saat bekerja.",
    ClaimType.JKK_TOTAL_DISABILITY: "Tertimpa pohon saat menyadap karet; lumpuh kedua kaki.",
    ClaimType.JKK_PARTIAL_DISABILITY: "Tangan terkena mesin perontok padi; kehilangan dua jari.",
    ClaimType.JKK_STMB: "Terjatuh dari perahu dan patah tulang kaki.",
}


def demo_claims_create(*, p2023: Programme, p2026: Programme, actor: User | None, seed: int) -> int:
    """Create the demo claims; returns how many. Needs the admin (all rights) as ``actor``."""
    if actor is None:
        return 0
    rng = random.Random(seed)
    # Workers who died in 2023 must not be enrolled again in 2026: pick them among those not carried over.
    in_2026 = Enrolment.objects.filter(programme=p2026).values("worker_id")
    old = list(
        Enrolment.objects.filter(programme=p2023, status=Status.ENDED)
        .exclude(worker_id__in=in_2026)
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )
    recent = list(
        Enrolment.objects.filter(programme=p2026, status=Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )
    # Events before BPJS activated the enrolment: recorded, found not covered, rejected.
    waiting = list(
        Enrolment.objects.filter(programme=p2026, status=Status.SENT).order_by("pk").values_list("pk", flat=True)[:50]
    )
    count = 0
    for plan, pool, year in ((SETTLED, old, 2023), (OPEN, recent, 2026), (NOT_COVERED, waiting, 2026)):
        chosen = rng.sample(pool, min(len(plan), len(pool)))
        for (kind, status), enrolment_id in zip(plan, chosen, strict=False):
            _one_claim(rng, actor, Enrolment.objects.get(pk=enrolment_id), kind, status, year)
            count += 1
    return count


def _one_claim(rng: random.Random, actor: User, enrolment: Enrolment, kind: str, status: str, year: int) -> None:
    if year == 2023:
        incident = dt.date(2023, rng.randint(2, 6), rng.randint(1, 28))
    else:
        incident = dt.date(2026, rng.randint(9, 11), rng.randint(1, 20))
    reported = incident + dt.timedelta(days=rng.choice((0, 1, 1, 2, 4)))
    claim = claim_register(
        actor=actor,
        enrolment=enrolment,
        type=kind,
        incident_date=incident,
        incident_time=dt.time(rng.randint(6, 17), rng.choice((0, 15, 30, 45))),
        incident_place=f"{rng.choice(PLACES).capitalize()}, {enrolment.village.name}",
        description=DESCRIPTIONS[ClaimType(kind)],
        reporter_name=f"Keluarga {enrolment.worker.name.split()[0].title()}",
        reporter_relation="keluarga",
        disability_percent=Decimal(rng.choice((5, 10, 20, 35))) if kind == ClaimType.JKK_PARTIAL_DISABILITY else None,
        stmb_months=rng.randint(1, 14) if kind == ClaimType.JKK_STMB else None,
        today=reported,
    )
    moment = timezone.make_aware(dt.datetime.combine(reported, dt.time(10, 0)))
    steps_done = 0
    if status != ClaimStatus.REPORTED and status != ClaimStatus.REJECTED:
        if kind in DEATH_TYPES and not Heir.objects.filter(worker_id=claim.worker_id).exists():
            claim_heir_add(actor=actor, claim=claim, name="Ahli Waris", relation=HeirRelation.PARENT)
        claim_documents_update(actor=actor, claim=claim, received=list(CHECKLISTS[kind]))
        claim = claim_advance(actor=actor, claim=claim, step="complete")
        steps_done += 1
        if status in (ClaimStatus.SUBMITTED, ClaimStatus.PAID):
            claim = claim_advance(actor=actor, claim=claim, step="submit")
            steps_done += 1
        if status == ClaimStatus.PAID:
            paid_on = reported + dt.timedelta(days=rng.randint(14, 40))
            amount = claim.estimate_total - rng.choice((0, 0, 0, 250_000))
            claim = claim_advance(
                actor=actor, claim=claim, step="pay", paid_amount=max(amount, 0), paid_on=paid_on, today=paid_on
            )
            steps_done += 1
    elif status == ClaimStatus.REJECTED:
        reason = rng.choice(REJECTIONS) if claim.covered else "Belum menjadi peserta aktif pada hari kejadian."
        claim = claim_advance(actor=actor, claim=claim, step="reject", reason=reason)
        steps_done += 1
    changed = moment + dt.timedelta(days=7 * steps_done)
    if year == 2026:
        # Recent claims: the story's days must not run past today.
        changed = min(changed, timezone.now())
    claim.reported_at, claim.status_changed_at = moment, changed
    # The audit log keeps the real time of each step (it is append-only); the claim carries the story's.
    late = is_reported_late(claim)
    Claim.objects.filter(pk=claim.pk).update(reported_at=moment, status_changed_at=changed, reported_late=late)
