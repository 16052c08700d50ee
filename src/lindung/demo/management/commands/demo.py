from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lindung.demo.services import (
    DEFAULT_SEED,
    DEFAULT_WORKERS,
    DEMO_USERS,
    TARGET_WORKERS,
    DemoError,
    demo_load,
    demo_reference_load,
)
from lindung.env import env_str


class Command(BaseCommand):
    help = (
        "Set up a demonstration installation and serve it: migrate the database, load all regions, the "
        "rules and the occupation categories, create Kalimantan Barat's KALBAR-2023 and KALBAR-2026 "
        "programmes with synthetic workers and one user per role, then run the web server. "
        "Demo data already present (programme KALBAR-2023 exists) is reused as is: --workers and --seed "
        "apply only to the run that creates it; to regenerate, start from an empty database. A database "
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
            f"default {DEFAULT_WORKERS}); KALBAR-2026 gets about a quarter as many.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed for the synthetic data.")
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on (default 8000).")
        parser.add_argument("--no-serve", action="store_true", help="Stop after loading; do not run the server.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
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
                workers=options["workers"], seed=options["seed"], password=env_str("LINDUNG_DEMO_PASSWORD") or None
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc

        if result.data_created:
            self.stdout.write(
                _("Created %(workers)d workers, %(heirs)d heirs and the enrolments: %(enrolments)s.")
                % {"workers": result.workers, "heirs": result.heirs, "enrolments": _enrolment_counts(result.enrolments)}
            )
        else:
            self.stdout.write(
                _(
                    "Demo data already present, reused as is (--workers and --seed ignored): "
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
            self.style.SUCCESS(_("Open http://127.0.0.1:%(port)d/ (Ctrl-C stops the server).") % {"port": port})
        )
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)

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


def _enrolment_counts(enrolments: dict[str, int]) -> str:
    return ", ".join(f"{code} {count}" for code, count in sorted(enrolments.items()))
