"""The legal clock of UU 27/2022: the controller answers a person's request, and notifies a breach, within
"3 x 24 (tiga kali dua puluh empat) jam" from receipt or discovery.

The law counts hours, not working days: 72 hours from the moment, whatever the weekday or holiday. Moments are
kept in UTC and shown in the installation's time zone (WIB, WITA or WIT), so the deadline is the same instant
wherever it is read.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

ANSWER_WITHIN = dt.timedelta(hours=3 * 24)


def due_at(received_at: dt.datetime) -> dt.datetime:
    """The moment by which a request received (or a breach found) at ``received_at`` must be answered."""
    if received_at.tzinfo is None:
        raise ValueError("the legal clock counts from an aware moment")
    return received_at + ANSWER_WITHIN


# The officer is warned once an open request has less than this left.
WARN_WITHIN = dt.timedelta(hours=24)


class ClockState(StrEnum):
    RUNNING = "running"
    DUE_SOON = "due_soon"  # less than ``WARN_WITHIN`` left
    OVERDUE = "overdue"


def clock_state(due: dt.datetime, *, now: dt.datetime) -> ClockState:
    """Where an open request's clock stands at ``now``."""
    if now >= due:
        return ClockState.OVERDUE
    if due - now <= WARN_WITHIN:
        return ClockState.DUE_SOON
    return ClockState.RUNNING
