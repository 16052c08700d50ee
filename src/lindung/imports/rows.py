"""Cleaning one spreadsheet row into a worker's values, or the row's errors (each naming its column).

``RowCleaner`` is built once per upload with everything a row needs precomputed (column positions, the
category index, the region resolver, the rule values), so that cleaning a row makes no query and builds
no closure: a million rows pass through it. The cells whose values repeat down a file (dates, places,
categories, villages, the income) are cleaned once per distinct text and remembered for the upload: every
cleaner is a function of its cell alone, so a remembered value is the one cleaning it again would give.
The rules it applies to each row, with their sentences, are the rule set's (``lindung.enrolments.proposals``),
the ones the registration form applies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import models
from django.utils.translation import gettext

from lindung.accounts.scope import RegionScope
from lindung.enrolments.proposals import outside_programme
from lindung.imports.cleaning import (
    clean_category,
    clean_heir_nik,
    clean_income,
    clean_kk,
    clean_notice_version,
    clean_phone,
    clean_relation,
    clean_sex,
)
from lindung.imports.columns import FIELDS
from lindung.imports.regions import RegionResolver
from lindung.programmes.models import Programme
from lindung.spreadsheets.cells import CellError, clean_date, clean_yes_no, limited, required_text, text
from lindung.spreadsheets.errors import RowError
from lindung.workers.models import Worker
from lindung.workers.nik import nik_identity_from_cell, nik_mask
from lindung.workers.registration import identity_mismatches, too_old, village_outside_scope


@dataclass(slots=True)
class Candidate:
    """A row whose every cell is valid; the checks against the database come after (``staging``)."""

    row: int
    nik: str
    village: str
    name: str
    birth_place: str
    birth_date: dt.date
    sex: str
    address: str
    phone: str
    occupation_id: int
    declared_income: int
    kk_number: str
    mother_maiden_name: str
    heir_name: str
    heir_relation: str
    heir_nik: str
    heir_phone: str
    too_old: bool  # on the import's day (the age limit applies to new workers only: the checks decide)
    confirmed: bool  # the uploader says this is not the registered worker it looks like
    privacy_notice_id: int  # the notice the person was given (its version in the row)

    def staging_row(self) -> tuple[Any, ...]:
        """The values in ``staging.COLUMNS`` order."""
        return (
            self.row,
            self.nik,
            nik_mask(self.nik),
            self.name,
            self.birth_place,
            self.birth_date,
            self.sex,
            self.address,
            self.village,
            self.village[:2],
            self.village[:5],
            self.phone,
            self.occupation_id,
            self.declared_income,
            self.kk_number,
            self.mother_maiden_name,
            self.heir_name,
            self.heir_relation,
            self.heir_nik,
            self.heir_phone,
            1 if self.too_old else 0,
            1 if self.confirmed else 0,
            self.privacy_notice_id,
        )


def _max_length(name: str) -> int:
    model_field = Worker._meta.get_field(name)
    assert isinstance(model_field, models.CharField) and model_field.max_length is not None
    return model_field.max_length


_HEIR_NAME_LIMIT = 150  # Heir.name
# Columns whose cells repeat down an upload (a million rows hold ~40,000 birth dates, a few hundred places, a
# few thousand villages) and are cleaned once per distinct text; at most ``_MEMO_LIMIT`` texts are kept per
# column, so that a hostile file of distinct values costs memory in proportion to nothing but the limit.
_MEMOISED = frozenset(
    (
        "name",
        "birth_place",
        "birth_date",
        "sex",
        "category",
        "income",
        "mother_maiden_name",
        "confirm_not_duplicate",
        "privacy_notice",
    )
)
_MEMO_LIMIT = 100_000
_MISSING = object()
_LIMITS = {name: _max_length(name) for name in ("name", "birth_place", "address", "mother_maiden_name")}


class RowCleaner:
    """Cleans rows of one upload: ``clean(number, cells)`` → a ``Candidate`` or the row's errors."""

    def __init__(
        self,
        *,
        programme: Programme,
        scope: RegionScope,
        today: dt.date,
        headers: list[str],
        found: dict[str, int],
        categories: dict[str, int],
        resolver: RegionResolver,
        min_income: int,
        age_limit: int,
        notices: dict[int, int],
        notice_problem: str,
    ) -> None:
        self.programme = programme
        self.scope = scope
        self.today = today
        self.found = found
        self.categories = categories
        self.resolver = resolver
        self.min_income = min_income
        self.age_limit = age_limit
        self.columns = {name: headers[index] for name, index in found.items()}
        # -1: no such column; every cell is read through ``_cell``.
        self._at = {name: found.get(name, -1) for name in FIELDS}
        # The worker's own cells, in one pass: (field, position, cleaner of one cell). An optional column
        # that the file lacks is left out, and its value is the default below.
        cleaners: dict[str, Callable[[Any], Any]] = {
            "nik": partial(nik_identity_from_cell, today=today),
            "name": partial(required_text, max_length=_LIMITS["name"]),
            "birth_place": partial(required_text, max_length=_LIMITS["birth_place"]),
            "birth_date": clean_date,
            "sex": clean_sex,
            "address": partial(required_text, max_length=_LIMITS["address"]),
            "category": partial(clean_category, index=categories),
            "phone": clean_phone,
            "income": partial(clean_income, minimum=min_income),
            "kk_number": clean_kk,
            "mother_maiden_name": partial(_optional, max_length=_LIMITS["mother_maiden_name"]),
            "confirm_not_duplicate": clean_yes_no,
            # ``notices``: {version: id} of the notices a registration today may record (``notice_problem``: why not).
            "privacy_notice": partial(clean_notice_version, versions=notices, problem=notice_problem),
        }
        self._defaults: dict[str, Any] = {
            "phone": "",
            "income": min_income,
            "kk_number": "",
            "mother_maiden_name": "",
            "confirm_not_duplicate": False,
        }
        # (field, position, cleaner, the texts already cleaned → value, or None for a column of unique values)
        self._plan: list[tuple[str, int, Callable[[Any], Any], dict[str, Any] | None]] = [
            (name, self._at[name], clean, {} if name in _MEMOISED else None)
            for name, clean in cleaners.items()
            if name in self.columns or name not in self._defaults
        ]
        self._villages: dict[str, str] = {}  # village code as typed → the code, in the programme and the scope

    def _cell(self, cells: list[Any], name: str) -> Any:
        index = self._at[name]
        return cells[index] if 0 <= index < len(cells) else None

    def clean(self, number: int, cells: list[Any]) -> Candidate | list[RowError]:
        errors: list[RowError] = []
        columns = self.columns
        values = self._defaults.copy()
        count = len(cells)
        for field, index, clean, memo in self._plan:
            cell = cells[index] if 0 <= index < count else None
            if memo is not None and type(cell) is str and (value := memo.get(cell, _MISSING)) is not _MISSING:
                values[field] = value
                continue
            try:
                values[field] = value = clean(cell)
            except CellError as exc:
                errors.append(RowError(number, columns[field], exc.message))
                values[field] = None
                continue
            if memo is not None and type(cell) is str and len(memo) < _MEMO_LIMIT:
                memo[cell] = value
        info, birth_date, sex = values["nik"], values["birth_date"], values["sex"]
        if info is not None:
            for field, problem in identity_mismatches(info, birth_date=birth_date, sex=sex).items():
                errors.append(RowError(number, columns[field], problem))
        village = self._village(number, cells, errors)
        heir = self._heir(number, cells, errors)
        if errors or info is None or info.nik is None or village is None or heir is None:
            return errors
        return Candidate(
            row=number,
            nik=info.nik,
            village=village,
            name=values["name"],
            birth_place=values["birth_place"],
            birth_date=birth_date,
            sex=sex,
            address=values["address"],
            phone=values["phone"],
            occupation_id=values["category"],
            declared_income=values["income"],
            kk_number=values["kk_number"],
            mother_maiden_name=values["mother_maiden_name"] or "",
            heir_name=heir[0],
            heir_relation=heir[1],
            heir_nik=heir[2],
            heir_phone=heir[3],
            too_old=too_old(birth_date, today=self.today, limit=self.age_limit) is not None,
            confirmed=bool(values["confirm_not_duplicate"]),
            privacy_notice_id=values["privacy_notice"],
        )

    def _heir(self, number: int, cells: list[Any], errors: list[RowError]) -> tuple[str, str, str, str] | None:
        """(name, relation, NIK, phone) checked as the registration form checks an heir; empty without a name."""
        heir_name = text(self._cell(cells, "heir_name"))
        if not heir_name:
            return ("", "", "", "")
        columns = self.columns
        before = len(errors)
        relation = ""
        if "heir_relation" in columns:
            try:
                relation = clean_relation(self._cell(cells, "heir_relation"))
            except CellError as exc:
                errors.append(RowError(number, columns["heir_relation"], exc.message))
        else:
            errors.append(RowError(number, columns["heir_name"], gettext("Say the heir's relation to the worker.")))
        try:
            heir_name = limited(heir_name, max_length=_HEIR_NAME_LIMIT)
        except CellError as exc:
            errors.append(RowError(number, columns["heir_name"], exc.message))
        nik = phone = ""
        for field, clean in (
            ("heir_nik", lambda cell: clean_heir_nik(cell, today=self.today)),
            ("heir_phone", clean_phone),
        ):
            if field in columns:
                try:
                    value = clean(self._cell(cells, field))
                except CellError as exc:
                    errors.append(RowError(number, columns[field], exc.message))
                    continue
                if field == "heir_nik":
                    nik = value
                else:
                    phone = value
        if len(errors) > before:
            return None
        return (heir_name, relation, nik, phone)

    def _village(self, number: int, cells: list[Any], errors: list[RowError]) -> str | None:
        """The village's code, inside the programme's region and the uploader's scope."""
        found, columns, resolver = self.found, self.columns, self.resolver
        raw_code = text(self._cell(cells, "village_code"))
        if (known := self._villages.get(raw_code)) is not None:
            return known
        column = "village_code"
        try:
            if raw_code:
                code = resolver.by_code(raw_code)
            else:
                column = "regency" if "regency" in found else "village_code"
                names = [text(self._cell(cells, name)) for name in ("regency", "district", "village")]
                for name, value in zip(("regency", "district", "village"), names, strict=True):
                    if not value:
                        column = name if name in found else column
                        raise CellError(gettext("This field is required."))
                regency = resolver.regency(names[0])
                column = "district"
                district = resolver.district(regency, names[1])
                column = "village"
                code = resolver.village(district, names[2])
            if problem := outside_programme(code, self.programme) or village_outside_scope(code, scope=self.scope):
                raise CellError(problem)
        except CellError as exc:
            errors.append(RowError(number, columns.get(column, column), exc.message))
            return None
        if raw_code and len(self._villages) < _MEMO_LIMIT:
            self._villages[raw_code] = code
        return code


def _optional(cell: Any, max_length: int) -> str:
    return limited(text(cell), max_length=max_length)
