"""Who is covered: covered (active) workers by occupation category, sex and age band on the day of the figures."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from lindung.accounts.models import User
from lindung.dashboard.figures.place import Place
from lindung.dashboard.figures.summary import summary_rows
from lindung.dashboard.models import DemographicFigure
from lindung.dashboard.services import AGE_BANDS
from lindung.workers.models import OccupationCategory, Sex


@dataclass(frozen=True)
class Group:
    """Covered workers in one category, sex or age band; men and women apart where it makes sense."""

    key: str
    label: str
    covered: int
    male: int = 0
    female: int = 0


@dataclass(frozen=True)
class Demographics:
    by_category: tuple[Group, ...]
    by_sex: tuple[Group, ...]
    by_age: tuple[Group, ...]


def demographics(user: User, place: Place, programme_ids: list[int]) -> Demographics:
    """One GROUP BY (category, sex, age band): at most a few hundred sums, split three ways here."""
    cells = list(
        summary_rows(DemographicFigure.objects.all(), user, place, programme_ids)
        .values_list("occupation_id", "sex", "age_band")
        .annotate(n=Sum("covered"))
    )
    categories = list(OccupationCategory.objects.order_by("sort_order", "code").values_list("pk", "code", "name"))
    by_category: dict[int, list[int]] = {}
    by_band: dict[int, list[int]] = {}
    by_sex: dict[str, int] = {}
    for occupation, sex, band, n in cells:
        slot = 0 if sex == Sex.MALE else 1
        by_category.setdefault(occupation, [0, 0])[slot] += n
        by_band.setdefault(band, [0, 0])[slot] += n
        by_sex[sex] = by_sex.get(sex, 0) + n
    return Demographics(
        by_category=tuple(
            Group(code, name, sum(by_category[pk]), *by_category[pk])
            for pk, code, name in categories
            if pk in by_category
        ),
        by_sex=tuple(
            Group(
                value,
                str(label),
                by_sex.get(value, 0),
                **{"male" if value == Sex.MALE else "female": by_sex.get(value, 0)},
            )
            for value, label in Sex.choices
        ),
        by_age=tuple(
            Group(band.label, band.label, sum(by_band.get(i, [0, 0])), *by_band.get(i, [0, 0]))
            for i, band in enumerate(AGE_BANDS)
        ),
    )
