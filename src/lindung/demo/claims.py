"""The demo's claims: a few dozen accidents and deaths of every type and status, through the claim services.

Older claims happened in the ended programme's first half year and are settled: paid by BPJS (sometimes a
little less than the estimate) or rejected. Recent ones happened on active enrolments of the running
programme since the start of the last month billed, and are still open at every step. Each step (the
report, each change of status) runs on its own day of the story (``lindung.demo.clock.story_at``), so the
claim's times and its audit entries agree; a week passes between steps, but never beyond ``story_end``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

from django.utils import timezone

from lindung.accounts.models import User
from lindung.claims.documents import CHECKLISTS
from lindung.claims.models import DEATH_TYPES, ClaimStatus, ClaimType
from lindung.claims.services import (
    claim_advance,
    claim_documents_update,
    claim_heir_add,
    claim_register,
)
from lindung.demo.clock import story_at
from lindung.enrolments.models import Enrolment, Status
from lindung.months import add_months, month_start
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


def demo_claims_create(
    *, ended: Programme, running: Programme, actor: User | None, seed: int, story_end: dt.datetime
) -> int:
    """Create the demo claims; returns how many. Needs the admin (all rights) as ``actor``."""
    if actor is None:
        return 0
    rng = random.Random(seed)
    # Workers who died in the ended programme must not be enrolled again: pick them among those not carried over.
    enrolled_again = Enrolment.objects.filter(programme__fiscal_year__gt=ended.fiscal_year).values("worker_id")
    old = list(
        Enrolment.objects.filter(programme=ended, status=Status.ENDED)
        .exclude(worker_id__in=enrolled_again)
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )
    recent = list(
        Enrolment.objects.filter(programme=running, status=Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )
    # Events before BPJS activated the enrolment: recorded, found not covered, rejected.
    waiting = list(
        Enrolment.objects.filter(programme=running, status=Status.SENT).order_by("pk").values_list("pk", flat=True)[:50]
    )
    # Recent events fall in a month already billed or in today's: a death ends cover, and an invoice issued
    # after it would bill a month the worker did not live.
    last_day = story_end.date()
    recent_from = max(add_months(month_start(last_day + dt.timedelta(days=1)), -1), running.coverage_start)
    settled_days = (ended.coverage_start + dt.timedelta(days=31), ended.coverage_start.replace(month=6, day=28))
    count = 0
    for plan, pool, days in (
        (SETTLED, old, settled_days),
        (OPEN, recent, (recent_from, last_day)),
        (NOT_COVERED, waiting, (recent_from, last_day)),
    ):
        if days[1] < days[0]:
            continue  # too early in the year for recent events
        chosen = rng.sample(pool, min(len(plan), len(pool)))
        for (kind, status), enrolment_id in zip(plan, chosen, strict=False):
            incident = days[0] + dt.timedelta(days=rng.randint(0, (days[1] - days[0]).days))
            _one_claim(rng, actor, Enrolment.objects.get(pk=enrolment_id), kind, status, incident, story_end)
            count += 1
    return count


def _one_claim(
    rng: random.Random,
    actor: User,
    enrolment: Enrolment,
    kind: str,
    status: str,
    incident: dt.date,
    story_end: dt.datetime,
) -> None:
    reported = min(incident + dt.timedelta(days=rng.choice((0, 1, 1, 2, 4))), story_end.date())
    first = timezone.make_aware(dt.datetime.combine(reported, dt.time(10, 0)))
    moments = (min(first + dt.timedelta(days=7 * step), story_end) for step in itertools.count())
    with story_at(next(moments)):
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
            disability_percent=Decimal(rng.choice((5, 10, 20, 35)))
            if kind == ClaimType.JKK_PARTIAL_DISABILITY
            else None,
            stmb_months=rng.randint(1, 14) if kind == ClaimType.JKK_STMB else None,
            today=reported,
        )
    if status == ClaimStatus.REJECTED:
        reason = rng.choice(REJECTIONS) if claim.covered else "Belum menjadi peserta aktif pada hari kejadian."
        with story_at(next(moments)):
            claim_advance(actor=actor, claim=claim, step="reject", reason=reason)
        return
    if status == ClaimStatus.REPORTED:
        return
    with story_at(next(moments)):
        if kind in DEATH_TYPES and not Heir.objects.filter(worker_id=claim.worker_id).exists():
            claim_heir_add(actor=actor, claim=claim, name="Ahli Waris", relation=HeirRelation.PARENT)
        claim_documents_update(actor=actor, claim=claim, received=list(CHECKLISTS[kind]))
        claim = claim_advance(actor=actor, claim=claim, step="complete")
    if status in (ClaimStatus.SUBMITTED, ClaimStatus.PAID):
        with story_at(next(moments)):
            claim = claim_advance(actor=actor, claim=claim, step="submit")
    if status == ClaimStatus.PAID:
        paid_on = reported + dt.timedelta(days=rng.randint(14, 40))
        amount = claim.estimate_total - rng.choice((0, 0, 0, 250_000))
        with story_at(min(timezone.make_aware(dt.datetime.combine(paid_on, dt.time(11, 0))), story_end)):
            claim_advance(
                actor=actor, claim=claim, step="pay", paid_amount=max(amount, 0), paid_on=paid_on, today=paid_on
            )
