from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lindung.commands import add_today_argument, parse_day
from lindung.demo.services import (
    DEFAULT_SEED,
    DEFAULT_WORKERS,
    DEMO_USERS,
    TARGET_WORKERS,
    DemoError,
    DemoStory,
    demo_load,
    demo_reference_load,
)
from lindung.env import env_str
from lindung.regions.models import Region


class Command(BaseCommand):
    help = (
        "Set up a demonstration installation and serve it: migrate the database, load all regions, the "
        "rules and the occupation categories, create Kalimantan Barat's programmes as of --today (Y: its "
        "year): KALBAR-<Y-3>, ended and paid; KALBAR-<Y>, billed and paid up to last month but for one "
        "month never billed; PONTIANAK-<Y>, Kota Pontianak's own, whose last two months are billed and "
        "unpaid; with synthetic workers, claims and one user per role, then serve it with its task worker "
        "(lindung serve). "
        "Demo data already present (an earlier run created it) is reused as is: --workers, --seed and "
        "--today apply only to the run that creates it; to regenerate, start from an empty database. A database "
        "holding other programmes or workers is refused, so the demo never mixes with real data. Existing "
        "users keep their passwords. New users get LINDUNG_DEMO_PASSWORD, or one random password that "
        "is printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            help=f"Workers enrolled in KALBAR-2023 when the demo is created (1-{TARGET_WORKERS}; "
            f"default {DEFAULT_WORKERS}); the running programmes get about a quarter as many.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed for the synthetic data.")
        add_today_argument(parser)
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on (default 8000).")
        parser.add_argument("--no-serve", action="store_true", help="Stop after loading; do not run the server.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        today = parse_day(options["today"]) if options["today"] else None
        started = time.monotonic()
        self.stdout.write(_("Preparing the database…"))
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1), stdout=self.stdout)
        regions, rules = demo_reference_load()
        self.stdout.write(
            _("Regions: %(total)d (%(created)d new). Rules: %(rules)d new.")
            % {"total": regions.total, "created": regions.created, "rules": rules.created}
        )
        self.stdout.write(_("Loading the demo data…"))
        try:
            result = demo_load(
                workers=options["workers"],
                seed=options["seed"],
                password=env_str("LINDUNG_DEMO_PASSWORD") or None,
                today=today,
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc

        if result.data_created:
            self.stdout.write(
                _("Created %(workers)d workers, %(heirs)d heirs and the enrolments: %(enrolments)s.")
                % {"workers": result.workers, "heirs": result.heirs, "enrolments": _enrolment_counts(result.enrolments)}
            )
            if result.story is not None:
                self._report_story(result.story)
        else:
            self.stdout.write(
                _(
                    "Demo data already present, reused as is (--workers, --seed and --today ignored): "
                    "%(workers)d workers; enrolments: %(enrolments)s."
                )
                % {"workers": result.workers, "enrolments": _enrolment_counts(result.enrolments)}
            )
        self._report_users(result.users_created, result.users_reused, result.generated_password)
        self.stdout.write(_("Ready in %(seconds).1f s.") % {"seconds": time.monotonic() - started})

        if options["no_serve"]:
            return
        port: int = options["port"]
        self.stdout.write(
            self.style.SUCCESS(
                _("Open http://127.0.0.1:%(port)d/ (Ctrl-C stops the server and its task worker).") % {"port": port}
            )
        )
        # The production server with its task worker, so uploads and recomputations run in the demo too.
        call_command("serve", port=port)

    def _report_story(self, story: DemoStory) -> None:
        """Where the demo's figures come from, so that a visitor knows what the pages should show."""
        months = story.due_months
        regency = Region.objects.get(code=story.city.region).name
        self.stdout.write(_("The story as of %(today)s:") % {"today": story.today.isoformat()})
        self.stdout.write(_("- %(code)s: ended, every month billed and paid.") % {"code": story.ended.code})
        if not months:
            self.stdout.write(
                _("- %(code)s and %(city)s: no month billed yet, the year has just begun.")
                % {"code": story.running.code, "city": story.city.code}
            )
            return
        never = story.never_billed
        self.stdout.write(
            (
                _("- %(code)s: %(first)s to %(last)s billed and paid, except %(never)s, never billed.")
                if never
                else _("- %(code)s: %(first)s to %(last)s billed and paid.")
            )
            % {
                "code": story.running.code,
                "first": _month(months[0]),
                "last": _month(months[-1]),
                "never": _month(never) if never else "",
            }
        )
        unpaid = story.unpaid
        self.stdout.write(
            _("- %(code)s (%(regency)s, its own budget): billed up to %(last)s; %(unpaid)s issued and not paid.")
            % {
                "code": story.city.code,
                "regency": regency,
                "last": _month(months[-1]),
                "unpaid": ", ".join(_month(m) for m in unpaid),
            }
        )

    def _report_users(self, created: list[str], reused: list[str], generated_password: str | None) -> None:
        self.stdout.write(_("Users: %(names)s") % {"names": ", ".join(u.username for u in DEMO_USERS)})
        if created:
            self.stdout.write(
                ngettext("Created %(count)d user.", "Created %(count)d users.", len(created)) % {"count": len(created)}
            )
            if generated_password:
                # Shown once: only its hash is stored.
                self.stdout.write(
                    self.style.WARNING(
                        _("Password for the new users (shown only now): %(password)s")
                        % {"password": generated_password}
                    )
                )
            else:
                self.stdout.write(_("Password for the new users: the value of LINDUNG_DEMO_PASSWORD."))
        if reused:
            self.stdout.write(
                _("Existing users reused; their passwords were not changed: %(names)s") % {"names": ", ".join(reused)}
            )


def _month(month: dt.date) -> str:
    return date_format(month, "F Y")


def _enrolment_counts(enrolments: dict[str, int]) -> str:
    return ", ".join(f"{code} {count}" for code, count in sorted(enrolments.items()))
