"""``lindung pdp ...``: the data protection officer's duties (UU 27/2022) from the command line.

``lindung pdp retention run [--dry-run] [--today YYYY-MM-DD] [--json]``: anonymise what has outlived its retention
(``pdp.retention``), printing the counts by kind (``--json``: an object of counts by kind).

``lindung pdp breach affected --from ISO --to ISO [--region CODE] [--breach ID] --as USER [--json]``: find the
people an incident affected (the records viewed whole, changed or exported in the window, within the region), write
their letters (one PDF per village, here and now rather than queued: a script waits for its answer) and print the
count and the letters' folder (``--json``: ``breach``, ``count``, ``letters``, ``villages``, ``notes``). It acts as
USER (the officer: every step audited in their name) on incident ID, or on the only incident of USER's region whose
people are still to be found. Each duty is a
subcommand of its own (``access`` and ``breach`` come beside ``retention``): add its parser in ``add_arguments``
and its method in ``DUTIES``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.accounts.models import User
from lindung.commands import active_user, add_lang_argument, add_today_argument, parse_day
from lindung.errors import RefusedStep
from lindung.numbers import grouped
from lindung.pdp.breach import Criteria, breach_get, breach_people_find, breaches_visible
from lindung.pdp.letters import breach_letters_request, breach_letters_write, letters_path
from lindung.pdp.models import Breach, BreachStatus, LettersStatus, RetentionKind
from lindung.pdp.retention import pdp_retention_run


class Command(BaseCommand):
    help = "The personal-data duties of UU 27/2022: retention runs (and, to come, access requests and breaches)."

    def add_arguments(self, parser: CommandParser) -> None:
        duties = parser.add_subparsers(dest="duty", required=True, metavar="retention|breach")
        retention = duties.add_parser("retention", help="Anonymise what has outlived its retention period.")
        steps = retention.add_subparsers(dest="step", required=True, metavar="run")
        run = steps.add_parser("run", help="Anonymise what has expired on the day (a dry run only counts).")
        run.add_argument("--dry-run", action="store_true", help="Count what would be anonymised; write nothing.")
        add_today_argument(run)
        run.add_argument("--json", action="store_true", help="Print the counts by kind as JSON.")
        add_lang_argument(run)

        breach = duties.add_parser("breach", help="The breach register: find the people affected, write letters.")
        breach_steps = breach.add_subparsers(dest="step", required=True, metavar="affected")
        affected = breach_steps.add_parser("affected", help="Find the people affected in a window and write letters.")
        affected.add_argument("--from", dest="window_from", required=True, metavar="ISO", help="Window start.")
        affected.add_argument("--to", dest="window_to", required=True, metavar="ISO", help="Window end (excluded).")
        affected.add_argument("--region", default="", metavar="CODE", help="Only the workers of this region.")
        affected.add_argument("--breach", type=int, metavar="ID", help="The incident (default: the only open one).")
        affected.add_argument("--as", dest="username", metavar="USERNAME", help="The officer doing it.")
        affected.add_argument("--json", action="store_true", help="Print the result as JSON.")
        add_lang_argument(affected)

    def handle(self, *args: Any, **options: Any) -> None:
        duties: dict[str, Callable[[dict[str, Any]], None]] = {
            "retention": self._retention,
            "breach": self._breach,
        }
        with translation.override(options.get("lang") or "id"):
            duties[options["duty"]](options)

    def _retention(self, options: dict[str, Any]) -> None:
        today = parse_day(options["today"]) if options["today"] else timezone.localdate()
        result = pdp_retention_run(today=today, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        if result.dry_run:
            self.stdout.write(_("Retention as of %(today)s, a dry run: nothing was written.") % {"today": today})
        else:
            self.stdout.write(_("Retention as of %(today)s: anonymised") % {"today": today})
        labels = dict(RetentionKind.choices)
        for kind, count in result.counts.items():
            self.stdout.write(f"  {labels[kind]}: {grouped(count)}")

    def _breach(self, options: dict[str, Any]) -> None:
        if not options["username"]:
            raise CommandError(_("Say who does this with --as USERNAME."))
        actor = active_user(options["username"])
        window_from, window_to = _moment(options["window_from"]), _moment(options["window_to"])
        try:
            breach = _breach_of(actor, options["breach"])
            criteria = Criteria(region=options["region"], window_from=window_from, window_to=window_to)
            breach = breach_people_find(actor=actor, breach=breach, criteria=criteria)
            letters = None
            if breach.affected_count:
                breach_letters_request(actor=actor, breach=breach, enqueue=False)
                breach_letters_write(breach_id=breach.pk)
                breach.refresh_from_db()
                letters = letters_path(breach) if breach.letters_status == LettersStatus.DONE else None
        except RefusedStep as refusal:
            raise CommandError(refusal.text) from None
        except (PermissionDenied, Http404):
            raise CommandError(_("User %(name)s may not act on this incident.") % {"name": actor.username}) from None
        villages = breach.affected.values("village_id").distinct().count()
        notes = [note for note in breach.affected_note.splitlines() if note]
        if options["json"]:
            result = {"breach": breach.pk, "count": breach.affected_count, "letters": letters, "villages": villages}
            self.stdout.write(json.dumps({**result, "notes": notes}, indent=2))
            return
        self.stdout.write(
            _("Incident #%(breach)d: %(count)s people affected.")
            % {"breach": breach.pk, "count": grouped(breach.affected_count)}
        )
        for note in notes:
            self.stdout.write(f"  {note}")
        if letters:
            self.stdout.write(
                _("Letters (one file per village, %(villages)d): %(path)s") % {"villages": villages, "path": letters}
            )


def _moment(value: str) -> dt.datetime:
    """An ISO date or moment; without a zone, the installation's."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(value)s is not a moment written in ISO 8601.") % {"value": value}) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _breach_of(actor: User, breach_id: int | None) -> Breach:
    if breach_id is not None:
        return breach_get(actor, breach_id)
    open_ones = list(breaches_visible(actor).filter(status__in=(BreachStatus.RECORDED, BreachStatus.PEOPLE_FOUND))[:2])
    if len(open_ones) != 1:
        raise CommandError(
            _("Name the incident with --breach ID: there is not exactly one whose people are to be found.")
        )
    return open_ones[0]
