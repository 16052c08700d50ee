"""The demo's reported deaths: the civil registry's simulator (``SimulatedDukcapil``) reports two active workers
dead, one in Kabupaten Sambas and one in Kota Pontianak; they wait in the review queue (``/kematian/``) for the
regency's operator to confirm or dismiss, as every reported death does."""

from __future__ import annotations

import datetime as dt

from lindung.civil_registry.dukcapil import SimulatedDukcapil, deaths_fetch
from lindung.claims.models import Claim
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme

REGENCIES = ("61.01", "61.71")


def demo_deaths_report(running: Programme, *, died_on: dt.date) -> int:
    """Report the deaths (run it with the story's clock); returns how many notices wait."""
    with_claims = Claim.objects.values("worker_id")
    people = []
    for regency in REGENCIES:
        enrolment = (
            Enrolment.objects.filter(programme=running, status=Status.ACTIVE, regency_code=regency)
            .exclude(worker_id__in=with_claims)
            .select_related("worker")
            .order_by("pk")
            .first()
        )
        if enrolment is not None:
            worker = enrolment.worker
            people.append(
                {
                    "nik": worker.nik,
                    "name": worker.name,
                    "birth_date": worker.birth_date.isoformat(),
                    "death_date": died_on.isoformat(),
                }
            )
    received = deaths_fetch(SimulatedDukcapil(people), died_on)
    return sum(r.message.queued for r in received)
