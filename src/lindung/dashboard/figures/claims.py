"""Claims and benefits: the programmes' claims in the drilled region, by kind, by stage and per child region,
with the benefits paid against the contributions paid.

Live (the claims table is small), dated by the event within the period filter. The contributions paid are the
headline figure ``paid`` (``lindung.contributions.headline``), from the village summary: counting them would add
up the invoice lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from lindung.accounts.models import User
from lindung.claims.models import OPEN_STATUSES, Claim, ClaimStatus, ClaimType
from lindung.claims.selectors import claims_in_scope
from lindung.dashboard.figures.headline import RegionHeadlines
from lindung.dashboard.figures.place import Place
from lindung.dashboard.filters import DashboardFilters
from lindung.months import month_end
from lindung.programmes.models import Programme
from lindung.regions.codes import district_of


@dataclass(frozen=True)
class ClaimCount:
    key: str
    label: str
    count: int
    benefits: int = 0  # paid by BPJS on the claims counted


@dataclass(frozen=True)
class RegionClaims:
    code: str
    name: str
    claims: int
    benefits: int
    contributions: int


@dataclass(frozen=True)
class Claims:
    by_type: tuple[ClaimCount, ...]
    by_status: tuple[ClaimCount, ...]
    by_region: tuple[RegionClaims, ...]
    count: int
    open: int
    benefits_paid: int
    contributions_paid: int

    @property
    def ratio(self) -> float | None:
        """Benefits paid per contributions paid, in percent (one decimal); None without contributions."""
        return round(100 * self.benefits_paid / self.contributions_paid, 1) if self.contributions_paid else None


_PAID = Q(status=ClaimStatus.PAID)


def _counted(claims: QuerySet[Claim], column: str) -> dict[str, tuple[int, int]]:
    """Per value of ``column``: the claims and the benefits paid on them."""
    return {
        key: (n, int(b))
        for key, n, b in claims.values_list(column).annotate(
            n=Count("pk"), b=Coalesce(Sum("paid_amount", filter=_PAID), 0)
        )
    }


def claims(
    user: User, place: Place, programmes: list[Programme], filters: DashboardFilters, headlines: RegionHeadlines
) -> Claims:
    """GROUP BYs of the claims by kind, by stage and by child region (none at a village), narrowed by the user's
    scope and by the drilled region through the same region filter (``lindung.accounts.scope``)."""
    found = claims_in_scope(user).filter(programme__in=programmes).filter(place.within.q()).order_by()
    if filters.month_from:
        found = found.filter(incident_date__gte=filters.month_from)
    if filters.month_to:
        found = found.filter(incident_date__lte=month_end(filters.month_to))
    by_type = _counted(found, "type")
    by_status = _counted(found, "status")
    by_child: dict[str, tuple[int, int]] = {}
    if place.child_column == "district_code":  # claims carry no district column
        by_child = _by_district(found)
    elif place.child_column is not None:
        by_child = _counted(found, place.child_column)
    return Claims(
        by_type=tuple(
            ClaimCount(kind.value, str(kind.label), *by_type[kind.value]) for kind in ClaimType if kind.value in by_type
        ),
        by_status=tuple(ClaimCount(s.value, str(s.label), *by_status.get(s.value, (0, 0))) for s in ClaimStatus),
        by_region=tuple(
            RegionClaims(
                child.code,
                child.name,
                by_child.get(child.code, (0, 0))[0],
                by_child.get(child.code, (0, 0))[1],
                headlines.by_child[child.code].number("paid"),
            )
            for child in place.children
            if place.child_column is not None
        ),
        count=sum(n for n, _ in by_status.values()),
        open=sum(by_status.get(s.value, (0, 0))[0] for s in OPEN_STATUSES),
        benefits_paid=sum(b for _, b in by_status.values()),
        contributions_paid=headlines.total.number("paid"),
    )


def _by_district(found: QuerySet[Claim]) -> dict[str, tuple[int, int]]:
    """Claims per district of a regency: grouped by village in the database (a regency's claims, a few
    hundred villages at most), then added up per district here."""
    out: dict[str, tuple[int, int]] = {}
    for village, (n, b) in _counted(found, "village_id").items():
        count, benefits = out.get(district_of(village), (0, 0))
        out[district_of(village)] = (count + n, benefits + b)
    return out
