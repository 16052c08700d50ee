"""The problems found in an upload's rows, kept within a bound however many rows the file has.

A file of a million rows of junk must not become a million error objects in memory, a 700 MB JSON column
and a page nobody can open: ``RowErrors`` counts every rejected row, keeps the errors of the first ``keep``
rejected rows (by row number) whole, for the page and the error file, and counts every error by column and
problem, so that the uploader still sees what is wrong with the rest.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Distinct problems counted one by one; the rest of a column's count as "other problems". A problem that
# quotes the cell ("not a date: 32/13/1980") is a new one for every value.
MAX_KINDS = 200
OTHER = ""


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True, slots=True)
class ErrorCount:
    column: str
    message: str  # ``OTHER`` for the problems beyond ``MAX_KINDS``
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.column, "message": self.message, "count": self.count}


class RowErrors:
    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._rows: set[int] = set()  # every rejected row
        self._kept: dict[int, list[RowError]] = {}
        self._heap: list[int] = []  # the kept rows, negated: the largest is evicted first
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self._count(error)
            row = error.row
            self._rows.add(row)
            kept = self._kept.get(row)
            if kept is not None:
                kept.append(error)
            elif len(self._kept) < self.keep:
                self._kept[row] = [error]
                heapq.heappush(self._heap, -row)
            elif self._heap and row < -self._heap[0]:
                del self._kept[-heapq.heapreplace(self._heap, -row)]
                self._kept[row] = [error]

    def reject(self, row: int, column: str, message: str) -> None:
        self.add((RowError(row, column, message),))

    def _count(self, error: RowError) -> None:
        key = (error.column, error.message)
        if key not in self._counts and len(self._counts) >= MAX_KINDS:
            key = (error.column, OTHER)
        self._counts[key] += 1

    def __contains__(self, row: object) -> bool:
        return row in self._rows

    def __len__(self) -> int:
        """How many rows were rejected."""
        return len(self._rows)

    @property
    def rows(self) -> set[int]:
        return self._rows

    @property
    def omitted(self) -> int:
        """Rejected rows whose errors were counted but not kept."""
        return len(self._rows) - len(self._kept)

    def by_row(self) -> dict[int, list[RowError]]:
        """The kept rows' errors, in row order."""
        return {row: self._kept[row] for row in sorted(self._kept)}

    def kept(self) -> list[RowError]:
        return [error for errors in self.by_row().values() for error in errors]

    def counts(self) -> list[ErrorCount]:
        """Every error counted by column and problem, the most frequent first."""
        return [
            ErrorCount(column, message, count)
            for (column, message), count in sorted(self._counts.items(), key=lambda item: (-item[1], item[0]))
        ]
