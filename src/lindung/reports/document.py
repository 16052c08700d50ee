"""A report as data, before it becomes a file: what every format (XLSX, CSV, PDF) is written from.

The builders in ``lindung.reports.builders`` gather the figures into a :class:`Report`; the writers in
``lindung.reports.formats`` turn one into a file. Keeping the two apart means the three formats can only
ever disagree in their presentation, never in their figures (the pretix exporter pattern).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from lindung.charts import Chart

# How a cell is written: text as text; counts and money as numbers (money with the rupiah format);
# a percent is a ratio (0.853 is 85.3%); a day is a date.
Kind = Literal["text", "count", "money", "percent", "day"]
Cell = str | int | float | dt.date | None


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = "text"
    width: int = 0  # characters, for the XLSX column; 0 takes a default for the kind


@dataclass(frozen=True)
class Section:
    """One table: a sheet in the XLSX, a block in the CSV, a table in the PDF.

    ``key`` is stable whatever the language (tests and the CSV use it); ``sheet`` is the short title of
    the XLSX sheet (at most 31 characters, Excel's limit). ``total`` is an optional last row in bold.
    ``in_pdf`` is false when a chart's table in the PDF already shows the same figures.
    """

    key: str
    title: str
    sheet: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None
    note: str = ""
    in_pdf: bool = True

    def __post_init__(self) -> None:
        for row in (*self.rows, *((self.total,) if self.total else ())):
            if len(row) != len(self.columns):
                raise ValueError(f"section {self.key}: a row has {len(row)} cells for {len(self.columns)} columns")


@dataclass(frozen=True)
class Figure:
    """A key figure shown large at the top of the PDF (and listed in the XLSX "Keterangan" sheet)."""

    label: str
    value: Cell
    kind: Kind = "count"
    note: str = ""


@dataclass(frozen=True)
class Report:
    """Everything a report file shows.

    ``facts`` describe what was asked and where the figures come from (filters, region, as-of, source):
    the XLSX "Keterangan" sheet, the CSV's first block, the PDF's heading.
    """

    name: str
    title: str
    facts: tuple[tuple[str, str], ...]
    as_of: dt.datetime
    figures: tuple[Figure, ...] = ()
    charts: tuple[Chart, ...] = ()
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = field(default=())
    # In the PDF, each chart's own figures table is printed under it (charts/_figure.html, table_open) unless
    # the report's sections already hold those figures with more columns: then only the sections are printed.
    chart_tables: bool = True

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)
