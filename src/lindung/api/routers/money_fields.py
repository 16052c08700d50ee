"""The typed values the money and claims routes take (``invoices``, ``claims``, ``coverage``), bounded as the
web's forms bound them (``lindung.inputs``): ids of a bigint key, dates and months of the programme era, rupiah
up to Rp 100 trillion, text without NUL (PostgreSQL refuses it). A value out of bounds is a 422 naming its field,
never a query the database cannot run."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from lindung.inputs import FIRST_DAY, LAST_DAY, MAX_ID, MAX_RUPIAH, parse_month

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Rupiah = Annotated[int, Field(ge=0, le=MAX_RUPIAH)]
EraDate = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Month = Annotated[str, Field(pattern=r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", examples=["2026-03"])]
# Text a person typed: no NUL nor other control characters but tab and newline.
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"


def text(max_length: int, *, min_length: int = 0) -> object:
    """A ``Field`` for stored text of at most ``max_length`` characters."""
    return Field(min_length=min_length, max_length=max_length, pattern=_TEXT)


def month_first_day(value: str) -> dt.date:
    """``2026-03`` (already matched by ``Month``) → 1 March 2026, read by the web's own month reader."""
    month = parse_month(value)
    assert month is not None  # ``Month``'s pattern admits only the era's months
    return month
