"""Cleaning one spreadsheet row into a worker's values, or the row's errors (each naming its column)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext

from lindung.accounts.scope import RegionScope
from lindung.imports.cleaning import (
    CellError,
    clean_category,
    clean_date,
    clean_kk,
    clean_nik,
    clean_phone,
    clean_relation,
    clean_sex,
    limited,
    required_text,
    text,
)
from lindung.imports.regions import RegionResolver
from lindung.programmes.models import Programme
from lindung.regions.codes import is_within
from lindung.workers.models import Worker
from lindung.workers.services import identity_mismatches


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Candidate:
    """A row whose every cell is valid; the checks against the database come after."""

    row: int
    nik: str
    village: str
    values: dict[str, Any]
    heir: tuple[str, str] | None
    columns: dict[str, str] = field(repr=False)  # field → the header as the file writes it


@dataclass
class RowContext:
    programme: Programme
    scope: RegionScope
    today: dt.date
    headers: list[str]
    found: dict[str, int]
    categories: dict[str, int]
    resolver: RegionResolver


def _max_length(name: str) -> int:
    model_field = Worker._meta.get_field(name)
    assert isinstance(model_field, models.CharField) and model_field.max_length is not None
    return model_field.max_length


_HEIR_NAME_LIMIT = 150  # Heir.name
_LIMITS = {name: _max_length(name) for name in ("name", "birth_place", "address", "mother_maiden_name")}


def row_clean(number: int, cells: list[Any], ctx: RowContext) -> Candidate | list[RowError]:
    errors: list[RowError] = []
    columns = {name: ctx.headers[index] for name, index in ctx.found.items()}

    def cell(name: str) -> Any:
        index = ctx.found.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    def attempt(name: str, clean: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return clean(cell(name), *args, **kwargs)
        except CellError as exc:
            errors.append(RowError(number, columns[name], exc.message))
            return None

    info = attempt("nik", clean_nik, today=ctx.today)
    values: dict[str, Any] = {
        "name": attempt("name", required_text, max_length=_LIMITS["name"]),
        "birth_place": attempt("birth_place", required_text, max_length=_LIMITS["birth_place"]),
        "birth_date": attempt("birth_date", clean_date),
        "sex": attempt("sex", clean_sex),
        "address": attempt("address", required_text, max_length=_LIMITS["address"]),
        "occupation_id": attempt("category", clean_category, ctx.categories),
        "phone": attempt("phone", clean_phone) if "phone" in ctx.found else "",
        "kk_number": attempt("kk_number", clean_kk) if "kk_number" in ctx.found else "",
        "mother_maiden_name": "",
    }
    if "mother_maiden_name" in ctx.found:
        values["mother_maiden_name"] = attempt(
            "mother_maiden_name", lambda c: limited(text(c), max_length=_LIMITS["mother_maiden_name"])
        )
    if info is not None:
        for name, problem in identity_mismatches(info, birth_date=values["birth_date"], sex=values["sex"]).items():
            errors.append(RowError(number, columns[name], problem))
    village = _village(number, cell, columns, ctx, errors)
    heir = None
    heir_name = text(cell("heir_name"))
    if heir_name:
        relation = attempt("heir_relation", clean_relation) if "heir_relation" in ctx.found else None
        if relation is None and "heir_relation" not in ctx.found:
            errors.append(RowError(number, columns["heir_name"], gettext("Say the heir's relation to the worker.")))
        try:
            heir = (limited(heir_name, max_length=_HEIR_NAME_LIMIT), relation or "")
        except CellError as exc:
            errors.append(RowError(number, columns["heir_name"], exc.message))
    if errors or info is None or info.nik is None or village is None:
        return errors
    return Candidate(number, info.nik, village, values, heir, columns)


def _village(number: int, cell: Any, columns: dict[str, str], ctx: RowContext, errors: list[RowError]) -> str | None:
    """The village's code, inside the programme's region and the uploader's scope."""
    raw_code = text(cell("village_code"))
    column = "village_code"
    try:
        if raw_code:
            code = ctx.resolver.by_code(raw_code)
        else:
            column = "regency" if "regency" in ctx.found else "village_code"
            names = [text(cell(name)) for name in ("regency", "district", "village")]
            for name, value in zip(("regency", "district", "village"), names, strict=True):
                if not value:
                    column = name if name in ctx.found else column
                    raise CellError(gettext("This field is required."))
            regency = ctx.resolver.regency(names[0])
            column = "district"
            district = ctx.resolver.district(regency, names[1])
            column = "village"
            code = ctx.resolver.village(district, names[2])
        programme_region = ctx.programme.region_id
        if not is_within(code, programme_region):
            raise CellError(
                gettext("This worker lives outside the region of programme %(code)s.") % {"code": ctx.programme.code}
            )
        if not ctx.scope.covers(code):
            raise CellError(gettext("This village is outside your region."))
    except CellError as exc:
        errors.append(RowError(number, columns.get(column, column), exc.message))
        return None
    return code
