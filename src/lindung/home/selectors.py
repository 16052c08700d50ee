"""The start page's figures: each programme and the workers it covers today against its target (the headline
figures of ``lindung.contributions.headline``: one grouped query for every programme)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lindung.contributions.headline import HeadlineScope, headline_figures, is_running
from lindung.programmes.models import Programme


@dataclass(frozen=True)
class ProgrammeCoverage:
    programme: Programme
    covered: int
    target: int | None
    running: bool  # the day lies within the programme's period

    @property
    def percent_of_target(self) -> int:
        if not self.target:
            return 0
        return round(100 * self.covered / self.target)


def programme_coverage_summaries(day: dt.date) -> list[ProgrammeCoverage]:
    """One row per programme (its own target: each card is one programme), covered on ``day``."""
    programmes = list(Programme.objects.select_related("region"))
    figures = headline_figures(HeadlineScope.of_programmes(programmes, "", day), keys=("covered", "target"))
    return [
        ProgrammeCoverage(
            programme=p,
            covered=figures.of(p, "covered") or 0,
            target=figures.of(p, "target"),
            running=is_running(p, day),
        )
        for p in programmes
    ]
