"""What the management commands share: the ``--lang`` and ``--today`` arguments and the ``--as`` user."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, OutputWrapper
from django.utils.translation import gettext

from lindung.inputs import era_refusal, month_refusal

if TYPE_CHECKING:
    from lindung.accounts.models import User
    from lindung.spreadsheets.errors import ErrorCount, RowError


def add_lang_argument(parser: ArgumentParser) -> None:
    """``--lang id|en``: the language of the command's messages (Indonesian unless asked)."""
    parser.add_argument("--lang", choices=["id", "en"], default="id", help="Language of the messages.")


def add_today_argument(parser: ArgumentParser) -> None:
    """``--today YYYY-MM-DD``: the day a run counts as; read it with ``parse_day``."""
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="The day the run counts as (default: today).")


def parse_day(value: str) -> dt.date:
    """``value`` written YYYY-MM-DD in the programme era (``lindung.inputs``), or a CommandError that says why."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(gettext("%(value)s is not a date written YYYY-MM-DD.") % {"value": value}) from None
    if refusal := era_refusal(day):
        raise CommandError(refusal)
    return day


def parse_month(value: str) -> dt.date:
    """``value`` written YYYY-MM as the first day of that month, in the programme era, or a CommandError that
    says why."""
    try:
        month = dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise CommandError(gettext("%(value)s is not a month written YYYY-MM.") % {"value": value}) from None
    if refusal := month_refusal(month):
        raise CommandError(refusal)
    return month


def active_user(username: str) -> User:
    """The active user ``username`` (``--as``), or a CommandError that says there is none."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(gettext("There is no active user %(name)s.") % {"name": username})
    # Through Django's user model, not lindung.accounts: these helpers sit below every app.
    return cast("User", user)


def write_row_errors(
    out: OutputWrapper, errors: Iterable[RowError], *, not_listed: int, counts: Iterable[ErrorCount]
) -> None:
    """An upload's row errors as ``import`` and ``bpjs import-result`` print them: the kept ones row by row, then,
    when some rows were only counted, every problem counted by column."""
    for error in errors:
        out.write(f"  {gettext('Row')} {error.row} · {error.column}: {error.message}")
    if not_listed:
        out.write(
            gettext("%(count)d more rows with errors are not listed; every problem, counted by column:")
            % {"count": not_listed}
        )
        for count in counts:
            out.write(f"  {count.column}: {count.message or gettext('Other problems')} × {count.count}")
