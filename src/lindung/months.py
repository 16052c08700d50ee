"""Calendar months, as the programme counts them: a month is its first day (``YYYY-MM-01``).

At the bottom of the house: imports nothing of Lindung's. Every app that steps through months, bills, counts
arrears, projects a budget or works out a benefit period uses these, so that they count alike.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator


def month_start(day: dt.date) -> dt.date:
    """The month ``day`` falls in: its first day."""
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return month_end(day) + dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later (or earlier), clamped to the last day of a shorter month;
    for a month's first day, the first day of the month ``months`` away."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months_between(start: dt.date, end: dt.date) -> int:
    """The largest ``n`` with ``add_months(start, n) <= end`` (0 when ``end`` is before ``start``)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def months_from(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """The months from ``first``'s to ``last``'s, both included, each as its first day."""
    month, end = month_start(first), month_start(last)
    while month <= end:
        yield month
        month = next_month(month)
