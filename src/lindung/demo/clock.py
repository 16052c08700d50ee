"""The demo's story in time: its days relative to the demo's "today", and running a service on one of them.

``lindung demo --today`` fixes the day the story is told from (default: the local date); every date the
demo writes is derived from it, so the same seed and today give the same data, and nothing happens after
today (the latest steps happen the day before; the night's run at 00:15 of today).

The services stamp "now" themselves (audit entries, an invoice's build and issue, a payment's record, a
claim's report) and the audit log refuses any later change (append-only; a trigger on PostgreSQL), so the
demo does not backdate their rows afterwards: it runs each step of its story with the clock set to that
step's moment (``story_at``). The clock is Django's ``timezone.now``, swapped only for the length of the
step: the demo loads before its server starts, in one thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """``day`` at ``hour:minute`` local time (``LINDUNG_TIME_ZONE``), aware."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@contextmanager
def story_at(moment: dt.datetime) -> Iterator[None]:
    """Run the block as if it were ``moment``: ``timezone.now()`` and ``timezone.localdate()`` answer it."""
    with mock.patch.object(timezone, "now", lambda: moment):
        yield
