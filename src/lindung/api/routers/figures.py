"""``/api/v1/figures``: the dashboard's headline figures, for a region and programme as the dashboard's filters.

Read from the dashboard's own entry point (``dashboard.selectors.dashboard_figures``, with the filters parsed by
``dashboard.filters.dashboard_filters_from``), whose headline figures are ``contributions.headline``'s
definitions: the API and the page cannot disagree. The caller's region scopes them as it scopes the page; a
provincial programme is counted on the caller's rows of it only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.api.problems import ApiProblem
from lindung.api.routers.money_fields import Id
from lindung.contributions.headline import FIGURES
from lindung.dashboard.filters import dashboard_filters_from, dashboard_programmes
from lindung.dashboard.selectors import dashboard_figures
from lindung.programmes.models import FunderType
from lindung.regions.models import Region

router = Router(tags=["figures"])


class FiguresQuery(Schema):
    region: Annotated[str, Field(pattern=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")] | None = Field(
        default=None, description="A region within yours to read (default: yours)"
    )
    programme: Id | None = Field(default=None, description="One programme (default: every programme you see)")
    funder: FunderType | None = None


class FigureOut(Schema):
    key: str
    label: str
    unit: str = Field(description="workers, rupiah or months")
    value: int | None = Field(description="None only for a target that no programme sets")


class ProgrammeFigures(Schema):
    id: int
    code: str
    name: str
    figures: dict[str, int | None]


class FiguresOut(Schema):
    region: str = Field(description="The region's code; empty for the whole installation")
    region_name: str
    day: dt.date
    as_of: dt.datetime | None = Field(description="When the dashboard's summary was last rebuilt")
    as_of_day: dt.date | None = Field(description="The day the summary describes")
    stale: bool
    percent: float | None = Field(description="Covered against the target, in percent")
    figures: list[FigureOut]
    programmes: list[ProgrammeFigures]
    target_programmes: list[int] = Field(description="The programmes whose targets make the target")


def _refused(field: str, message: str) -> ApiProblem:
    return ApiProblem(422, "refused", message, errors=[{"field": field, "message": message}])


@router.get("", response={200: FiguresOut}, summary="The dashboard's headline figures")
def figures(request: HttpRequest, query: Query[FiguresQuery]) -> FiguresOut:
    """The same numbers as the dashboard's tiles for the same filters (``region``, ``programme``, ``funder``).
    A region or programme outside the caller's is refused as one that does not exist."""
    user = request.user
    assert isinstance(user, User)  # the bearer token's account (lindung.api.auth)
    require(user, Action.DASHBOARD_VIEW)
    # The dashboard ignores a value it cannot use; a system is told instead, without saying whether it exists.
    if query.region and not (scope_of(user).covers(query.region) and Region.objects.filter(code=query.region).exists()):
        raise _refused("region", _("There is no region with this code within yours."))
    if query.programme is not None and not dashboard_programmes(user).filter(pk=query.programme).exists():
        raise _refused("programme", _("There is no programme with this id in your region."))
    params = {"region": query.region or "", "programme": str(query.programme or ""), "funder": query.funder or ""}
    found = dashboard_figures(user, dashboard_filters_from(user, params))
    headline = found.headline
    return FiguresOut(
        region=found.region.code,
        region_name=found.region.name,
        day=found.today,
        as_of=found.as_of,
        as_of_day=found.as_of_day,
        stale=found.is_stale,
        percent=headline.percent,
        figures=[FigureOut(key=f.key, label=str(f.label), unit=f.unit, value=value) for f, value in headline.items()],
        programmes=[
            ProgrammeFigures(
                id=p.pk,
                code=p.code,
                name=p.name,
                figures={f.key: headline.of(p, f.key) for f in FIGURES if f.key in headline.by_programme},
            )
            for p in found.programmes
        ],
        target_programmes=[p.pk for p in headline.target_programmes],
    )
