from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from lindung.commands import active_user, add_lang_argument, add_today_argument, parse_day, parse_month
from lindung.programmes.models import FunderType
from lindung.reports.builders import REPORT_NAMES
from lindung.reports.exports import report_export, report_filename
from lindung.reports.formats import FORMATS
from lindung.reports.services import ReportError, report_scope


def _month(value: str | None) -> dt.date | None:
    return parse_month(value) if value else None


class Command(BaseCommand):
    help = (
        "Write a report of a programme as a file: coverage, demographics, budget, arrears, claims or summary "
        "(the one-page leadership summary), as XLSX, PDF (A4) or CSV. Without --as it acts as the system, for "
        "the whole programme or the region given. The export is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", metavar="NAME", help="One of: " + ", ".join(REPORT_NAMES) + ".")
        parser.add_argument("--programme", required=True, metavar="CODE")
        parser.add_argument("--region", default="", metavar="CODE", help="A region code, 61.71 or 6171.")
        parser.add_argument("--format", default="xlsx", choices=FORMATS, dest="fmt")
        parser.add_argument(
            "--out", metavar="FILE", help="The file to write (replaced if it exists); default: a name in this folder."
        )
        parser.add_argument("--as", dest="username", metavar="USERNAME", help="Act as this user, not the system.")
        parser.add_argument("--funder", default="", metavar="TYPE", help=", ".join(FunderType.values))
        parser.add_argument("--from", dest="month_from", metavar="YYYY-MM", help="First month of the period.")
        parser.add_argument("--to", dest="month_to", metavar="YYYY-MM", help="Last month of the period.")
        add_today_argument(parser)
        add_lang_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._run(options)

    def _run(self, options: dict[str, Any]) -> None:
        name = options["name"]
        if name not in REPORT_NAMES:
            raise CommandError(
                _("There is no report %(name)s. The reports are: %(names)s.")
                % {"name": name, "names": ", ".join(REPORT_NAMES)}
            )
        if options["funder"] and options["funder"] not in FunderType.values:
            raise CommandError(
                _("There is no funder type %(funder)s. The types are: %(types)s.")
                % {"funder": options["funder"], "types": ", ".join(FunderType.values)}
            )
        month_from, month_to = _month(options["month_from"]), _month(options["month_to"])
        if month_from and month_to and month_to < month_from:
            raise CommandError(_("--to must not be before --from."))
        today = parse_day(options["today"]) if options["today"] else None
        actor = active_user(options["username"]) if options["username"] else None
        try:
            scope = report_scope(
                actor=actor,
                programme_code=options["programme"],
                region_code=options["region"],
                funder=options["funder"],
                month_from=month_from,
                month_to=month_to,
            )
        except ReportError as exc:
            raise CommandError(exc.text) from None
        except PermissionDenied:
            raise CommandError(_("User %(name)s may not read reports.") % {"name": options["username"]}) from None
        fmt = options["fmt"]
        out = Path(options["out"]) if options["out"] else Path(report_filename(scope, name, fmt))
        if not out.parent.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": out.parent})
        file = report_export(scope=scope, name=name, fmt=fmt, language=options["lang"], today=today)
        # Written next to the target and renamed at the end, so a failure never leaves half a file behind.
        fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=".report-", suffix="." + fmt)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(file.content)
            Path(tmp_name).replace(out)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        self.stdout.write(
            _("Wrote %(file)s: report %(name)s, programme %(code)s, region %(region)s.")
            % {"file": out, "name": name, "code": scope.programme.code, "region": scope.region.code}
        )
