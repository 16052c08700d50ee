"""The occupation category of what people write: a category's code or name, or an occupation that
``data/occupation_synonyms.csv`` maps to one ("Marbot" → KEAGAMAAN, "petani sawit" → PETANI).

One rule for both paths that propose a worker (``docs/decisions/0006``): the registration form
(``forms.OccupationField``) and the spreadsheet import (``lindung.imports.cleaning.clean_category``) read what
was typed through ``occupation_index`` and ``occupation_key``. The synonyms file is versioned with the code,
each row naming its source, and read once per process; an occupation whose category is missing or inactive
maps to nothing. A category's own code or name always wins over a synonym.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext

from lindung.workers.models import OccupationCategory

SYNONYMS_FILE = Path(__file__).parent / "data" / "occupation_synonyms.csv"
_SEPARATORS = re.compile(r"[\s_\-]+")


@dataclass(frozen=True, slots=True)
class Synonym:
    occupation: str  # as people write it, lower case
    category: str  # the category's code
    source: str


@cache
def occupation_synonyms() -> tuple[Synonym, ...]:
    """The rows of the synonyms file, read once."""
    with SYNONYMS_FILE.open(encoding="utf-8", newline="") as file:
        rows = [{key: value.strip() for key, value in row.items()} for row in csv.DictReader(file)]
    return tuple(Synonym(occupation=row["occupation"], category=row["category"], source=row["source"]) for row in rows)


def occupation_key(value: str) -> str:
    """What is compared: case folded, underscores, dashes and runs of spaces read as one space."""
    return _SEPARATORS.sub(" ", value.casefold()).strip()


def occupation_index(categories: Iterable[tuple[int, str, str]]) -> dict[str, int]:
    """``occupation_key`` → category id, from ``categories`` ((id, code, name), the active ones): their codes,
    their names, then the synonyms of the file whose category is among them."""
    index: dict[str, int] = {}
    by_code: dict[str, int] = {}
    for pk, code, name in categories:
        by_code[code] = pk
        index.setdefault(occupation_key(code), pk)
        index.setdefault(occupation_key(name), pk)
    for synonym in occupation_synonyms():
        if synonym.category in by_code:
            index.setdefault(occupation_key(synonym.occupation), by_code[synonym.category])
    return index


def active_occupation_index() -> dict[str, int]:
    """``occupation_index`` of the active categories (one query)."""
    return occupation_index(OccupationCategory.objects.filter(active=True).values_list("pk", "code", "name"))


def occupation_category_id(value: str, index: dict[str, int]) -> int | None:
    """The category id of ``value`` as typed, or ``None`` when it is none of the index's words."""
    return index.get(occupation_key(value))


def occupation_unknown(value: str) -> str:
    """The form's sentence for an occupation it cannot place (the import names its explanation sheet)."""
    return gettext("Unknown occupation %(value)s: choose a category or an occupation from the list.") % {"value": value}
