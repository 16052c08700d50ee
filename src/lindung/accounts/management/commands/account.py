"""``lindung account locked`` and ``lindung account unlock USERNAME --as ADMIN``: the login locks (issue 12);
``lindung account reset-2fa USERNAME --as ADMIN``: turn off someone's two-factor login (issue 15)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.selectors import login_locks
from lindung.accounts.services import account_logins_unlock
from lindung.accounts.two_factor import two_factor_reset
from lindung.commands import active_user, add_lang_argument


class Command(BaseCommand):
    help = "Login locks: list the usernames locked after too many failed logins, or unlock one (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        locked = sub.add_parser("locked", help="List the usernames whose logins are locked, and since when.")
        unlock = sub.add_parser("unlock", help="Unlock the logins of one username; its count starts again.")
        unlock.add_argument("username", help="The username, as the user types it (letter case does not matter).")
        unlock.add_argument("--as", dest="actor", metavar="USERNAME", required=True, help="The administrator.")
        reset = sub.add_parser(
            "reset-2fa",
            help="Turn off the two-factor login of one user who lost their phone and recovery codes (audited).",
        )
        reset.add_argument("username", help="The user's username.")
        reset.add_argument("--as", dest="actor", metavar="USERNAME", required=True, help="The administrator.")
        for command in (locked, unlock, reset):
            add_lang_argument(command)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            if options["subcommand"] == "locked":
                self._locked()
            elif options["subcommand"] == "reset-2fa":
                self._reset_two_factor(options["username"], options["actor"])
            else:
                self._unlock(options["username"], options["actor"])

    def _locked(self) -> None:
        locks = list(login_locks())
        if not locks:
            self.stdout.write(gettext("No logins are locked."))
        for lock in locks:
            self.stdout.write(f"{lock.username}\t{timezone.localtime(lock.locked_at):%Y-%m-%d %H:%M}")

    def _unlock(self, username: str, actor_name: str) -> None:
        actor = active_user(actor_name)
        try:
            unlocked = account_logins_unlock(actor=actor, username=username)
        except PermissionDenied:
            raise CommandError(
                gettext("User %(actor)s may not unlock the logins of %(name)s.")
                % {"actor": actor_name, "name": username}
            ) from None
        if unlocked:
            self.stdout.write(gettext("Logins for %(name)s are unlocked.") % {"name": username})
        else:
            self.stdout.write(gettext("Logins for %(name)s are not locked.") % {"name": username})

    def _reset_two_factor(self, username: str, actor_name: str) -> None:
        actor = active_user(actor_name)
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(gettext("There is no user %(name)s.") % {"name": username})
        try:
            was_on = two_factor_reset(actor=actor, user=user)
        except PermissionDenied:
            raise CommandError(
                gettext("User %(actor)s may not turn off the two-factor login of %(name)s.")
                % {"actor": actor_name, "name": username}
            ) from None
        if was_on:
            self.stdout.write(
                gettext("Two-factor login of %(name)s is off: they log in with their password and set it up again.")
                % {"name": username}
            )
        else:
            self.stdout.write(gettext("Two-factor login of %(name)s was not on.") % {"name": username})
