"""The start page's figures: each programme and the workers it covers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from lindung.enrolments.models import Status
from lindung.programmes.models import Programme


@dataclass(frozen=True)
class ProgrammeCoverage:
    programme: Programme
    covered: int

    @property
    def percent_of_target(self) -> int:
        if not self.programme.target_workers:
            return 0
        return round(100 * self.covered / self.programme.target_workers)


# A worker counts as covered by a programme once BPJS activated them, including after the enrolment
# ended with the programme: "75,489 workers protected in 2023" counts those.
COVERED_STATUSES = [Status.ACTIVE, Status.ENDED]


def programme_coverage_summaries() -> list[ProgrammeCoverage]:
    """One row per programme, counted by the database in a single grouped query."""
    programmes = Programme.objects.select_related("region").annotate(
        covered=Count(
            "enrolments",
            filter=Q(enrolments__status__in=COVERED_STATUSES, enrolments__coverage_start__isnull=False),
        )
    )
    return [ProgrammeCoverage(programme=p, covered=p.covered) for p in programmes]
