"""Django's ``flush``; on SQLite it first removes the invoice lines past their rules, as TRUNCATE does on PostgreSQL.

Django empties a PostgreSQL database with one TRUNCATE of every table, which the lines' row rules do not
see. SQLite has no TRUNCATE: Django deletes the tables one after the other, in no fixed order, and the
rules refuse what some orders ask (deleting an issued invoice's lines, or an invoice or an enrolment that
still has lines). Test runs flush after every transactional test. Found before Django's own ``flush``
because ``lindung.contributions`` is an installed app (Django prefers an app's command to its own).
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from lindung.contributions.lines import sqlite


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor == "sqlite":
            if options["interactive"]:
                answer = input(
                    f'This removes ALL DATA from the database "{connection.settings_dict["NAME"]}". '
                    "Type 'yes' to continue, or 'no' to cancel: "
                )
                if answer != "yes":
                    self.stdout.write("Flush cancelled.")
                    return
            sqlite.lines_truncate(connection)
            options = {**options, "interactive": False}
        super().handle(**options)
