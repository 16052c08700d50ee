"""``lindung pdp ...``: the data protection officer's duties (UU 27/2022) from the command line.

``lindung pdp retention run [--dry-run] [--today YYYY-MM-DD] [--json]``: anonymise what has outlived its retention
(``pdp.retention``), printing the counts by kind (``--json``: an object of counts by kind).

``lindung pdp breach affected --from ISO --to ISO [--region CODE] [--breach ID] --as USER [--json]``: find the
people an incident affected (the records viewed whole, changed or exported in the window, within the region), write
their letters (one PDF per village, here and now rather than queued: a script waits for its answer) and print the
count and the letters' folder (``--json``: ``breach``, ``count``, ``letters``, ``villages``, ``notes``). It acts as
USER (the officer: every step audited in their name) on incident ID, or on the only incident of USER's region whose
people are still to be found.

``lindung pdp access NIK --format json|pdf --out FILE --as USER [--lang id|en]``: write the access document of the
worker holding NIK (``pdp.access``) to FILE, as USER (whose rights and region apply, and who is audited). The NIK
is never printed: a refusal says only that no worker of USER's region holds it.

``lindung pdp hold set NIK --reason TEXT --as USER`` / ``hold lift HOLD_ID --reason TEXT --as USER`` / ``hold list
[--as USER] [--json]``: the legal holds (``pdp.services``); the NIK is printed masked, never whole.

Each duty is a subcommand of its own: add its parser in ``add_arguments`` and its
method in ``handle``'s ``duties``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lindung.accounts.models import User
from lindung.commands import active_user, add_lang_argument, add_today_argument, parse_day
from lindung.errors import RefusedStep
from lindung.inputs import parse_id
from lindung.numbers import grouped
from lindung.pdp.breach import Criteria, breach_get, breach_people_find, breaches_visible
from lindung.pdp.holds import clean_nik, open_legal_hold, open_legal_holds, worker_by_nik
from lindung.pdp.letters import breach_letters_request, breach_letters_write, letters_path
from lindung.pdp.models import Breach, BreachStatus, LegalHold, LettersStatus, RetentionKind
from lindung.pdp.person_requests import FORMATS, access_document_produce, not_found_sentence
from lindung.pdp.retention import pdp_retention_run
from lindung.pdp.services import legal_hold_lift, legal_hold_set
from lindung.workers.nik import nik_mask


class Command(BaseCommand):
    help = "The personal-data duties of UU 27/2022: retention runs, access documents (and, to come, breaches)."

    def add_arguments(self, parser: CommandParser) -> None:
        duties = parser.add_subparsers(dest="duty", required=True, metavar="retention|access|hold|breach")
        retention = duties.add_parser("retention", help="Anonymise what has outlived its retention period.")
        steps = retention.add_subparsers(dest="step", required=True, metavar="run")
        run = steps.add_parser("run", help="Anonymise what has expired on the day (a dry run only counts).")
        run.add_argument("--dry-run", action="store_true", help="Count what would be anonymised; write nothing.")
        add_today_argument(run)
        run.add_argument("--json", action="store_true", help="Print the counts by kind as JSON.")
        add_lang_argument(run)
        _add_hold_arguments(duties)

        access = duties.add_parser("access", help="Write the access document of a person (UU 27/2022).")
        access.add_argument("nik", metavar="NIK", help="The person's NIK (16 digits).")
        access.add_argument("--format", choices=FORMATS, required=True, help="json or pdf.")
        access.add_argument("--out", required=True, metavar="FILE", help="Where to write the document.")
        access.add_argument(
            "--as", dest="as_user", required=True, metavar="USER", help="The account whose rights apply, audited."
        )
        add_lang_argument(access)

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
            "access": self._access,
            "hold": self._hold,
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

    def _access(self, options: dict[str, Any]) -> None:
        user = active_user(options["as_user"])
        try:
            worker = worker_by_nik(user, clean_nik(options["nik"]) or "")
            if worker is None:
                raise CommandError(not_found_sentence())
            content = access_document_produce(
                actor=user, worker=worker, fmt=options["format"], language=options["lang"], request=None
            )
        except PermissionDenied:
            raise CommandError(_("%(name)s may not produce access documents.") % {"name": user.username}) from None
        out = Path(options["out"])
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(
                _("%(file)s cannot be written: %(error)s") % {"file": out, "error": exc.strerror}
            ) from None
        self.stdout.write(_("Access document written to %(file)s.") % {"file": out})

    def _hold(self, options: dict[str, Any]) -> None:
        hold_command(self, options)

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


# --- lindung pdp hold set|lift|list (the legal holds; ``pdp.holds``, ``pdp.services``) -------------------------


def _add_hold_arguments(duties: Any) -> None:
    hold = duties.add_parser("hold", help="Legal holds: records under dispute that the retention run keeps.")
    steps = hold.add_subparsers(dest="step", required=True, metavar="set|lift|list")
    put = steps.add_parser("set", help="Hold a worker's records (the worker found by NIK in your region).")
    put.add_argument("nik", metavar="NIK")
    put.add_argument("--reason", required=True, help="The dispute or the request.")
    put.add_argument("--as", dest="actor", metavar="USERNAME", required=True, help="The data protection officer.")
    add_lang_argument(put)
    lift = steps.add_parser("lift", help="Lift a hold (its id from `lindung pdp hold list`).")
    lift.add_argument("hold_id", metavar="HOLD_ID")
    lift.add_argument("--reason", required=True, help="Why the hold ends.")
    lift.add_argument("--as", dest="actor", metavar="USERNAME", required=True, help="The data protection officer.")
    add_lang_argument(lift)
    listing = steps.add_parser("list", help="The open holds (the NIK masked).")
    listing.add_argument("--as", dest="actor", metavar="USERNAME", help="Only the holds in this user's region.")
    listing.add_argument("--json", action="store_true", help="Print the holds as JSON.")
    add_lang_argument(listing)


def hold_command(command: BaseCommand, options: dict[str, Any]) -> None:
    """The three steps; a refusal is a CommandError in one sentence, and the NIK is never printed whole."""
    step = options["step"]
    if step == "list":
        _hold_list(command, options)
        return
    actor = active_user(options["actor"])
    try:
        if step == "set":
            nik = clean_nik(options["nik"])
            if nik is None:
                raise CommandError(_("A NIK has exactly 16 digits."))
            worker = worker_by_nik(actor, nik)
            if worker is None:
                raise CommandError(_("No worker with this NIK in your region."))
            hold = legal_hold_set(actor=actor, worker=worker, reason=options["reason"])
            command.stdout.write(
                _("The records of worker %(nik)s are held (hold %(id)s).") % {"nik": nik_mask(nik), "id": hold.pk}
            )
        else:
            hold_id = parse_id(options["hold_id"])
            found = open_legal_hold(actor, hold_id) if hold_id is not None else None
            if found is None:
                raise CommandError(_("There is no open hold %(id)s in your region.") % {"id": options["hold_id"]})
            legal_hold_lift(actor=actor, hold=found, reason=options["reason"])
            command.stdout.write(_("The hold on worker %(nik)s is lifted.") % {"nik": nik_mask(found.worker.nik)})
    except PermissionDenied:
        raise CommandError(_("User %(name)s may not manage legal holds.") % {"name": options["actor"]}) from None
    except RefusedStep as exc:
        raise CommandError(exc.text) from None


def _hold_list(command: BaseCommand, options: dict[str, Any]) -> None:
    holds = LegalHold.objects.filter(lifted_at__isnull=True).select_related("worker", "set_by")
    if options["actor"]:
        actor = active_user(options["actor"])
        try:
            holds = open_legal_holds(actor)
        except PermissionDenied:
            raise CommandError(_("User %(name)s may not manage legal holds.") % {"name": options["actor"]}) from None
    rows: list[dict[str, Any]] = [
        {
            "id": hold.pk,
            "nik": nik_mask(hold.worker.nik),
            "regency": hold.worker.regency_code,
            "reason": hold.reason,
            "set_by": hold.set_by.username,
            "set_at": timezone.localtime(hold.set_at).isoformat(),
        }
        for hold in holds.order_by("-set_at", "-pk")
    ]
    if options["json"]:
        command.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        command.stdout.write(_("No records are held."))
    for row in rows:
        command.stdout.write(f"{row['id']}\t{row['nik']}\t{str(row['set_at'])[:16]}\t{row['set_by']}\t{row['reason']}")


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
