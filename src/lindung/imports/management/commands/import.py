"""``lindung import FILE --programme CODE``: import a spreadsheet of proposals (issue 4).

The module is named ``import`` so the command reads as it should; Django loads commands by file name
through importlib, which does not mind that ``import`` is a keyword.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext

from lindung.commands import active_user, add_lang_argument, write_row_errors
from lindung.imports.services import import_run
from lindung.imports.spreadsheets import errors_write, template_write
from lindung.programmes.models import Programme
from lindung.spreadsheets.limits import ImportFileError


class Command(BaseCommand):
    help = (
        "Import an .xlsx or .csv file of workers as proposed enrolments of a programme. Valid rows are written "
        "together, rejected rows are listed; running the same file again imports nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, metavar="FILE")
        parser.add_argument("--programme", metavar="CODE", help="The programme's code.")
        parser.add_argument("--as", dest="username", metavar="USERNAME", help="The uploading user.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the outcome as one JSON object.")
        parser.add_argument("--errors", type=Path, metavar="OUT.xlsx", help="Write the rejected rows to this file.")
        parser.add_argument("--template", type=Path, metavar="OUT.xlsx", help="Write the upload template and stop.")
        add_lang_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            if options["template"]:
                template_write(options["template"])
                return
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        path: Path | None = options["file"]
        if path is None or not options["programme"] or not options["username"]:
            raise CommandError(gettext("Give the FILE, --programme CODE and --as USERNAME."))
        if not path.is_file():
            raise CommandError(gettext("There is no file %(path)s.") % {"path": path})
        programme = Programme.objects.filter(code=options["programme"]).first()
        if programme is None:
            raise CommandError(gettext("There is no programme %(code)s.") % {"code": options["programme"]})
        actor = active_user(options["username"])
        progress = self._progress if sys.stderr.isatty() and not options["json"] else None
        try:
            result = import_run(
                actor=actor, programme=programme, path=path, dry_run=options["dry_run"], progress=progress
            )
        except ImportFileError as exc:
            raise CommandError(exc.message) from None
        except PermissionDenied:
            raise CommandError(
                gettext("User %(name)s may not register workers or propose them.") % {"name": actor.username}
            ) from None
        finally:
            if progress:
                sys.stderr.write("\n")
        if options["errors"]:
            errors_write(path, result.rejected_rows(), options["errors"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        self.stdout.write(
            gettext("%(rows)d rows: %(imported)d imported, %(skipped)d skipped, %(rejected)d rejected.")
            % result.as_json()
            + (" " + gettext("Dry run: nothing was written.") if options["dry_run"] else "")
        )
        write_row_errors(self.stdout, result.errors, not_listed=result.rejected_not_listed, counts=result.error_counts)

    def _progress(self, rows: int) -> None:
        sys.stderr.write("\r" + gettext("%(rows)d rows read…") % {"rows": rows})
        sys.stderr.flush()
