"""``lindung bpjs export``, ``download`` and ``import-result``: the batch exchange with BPJS (issue 4, item 6; a
batch's kept file written again, issue 16)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.commands import active_user, add_lang_argument, write_row_errors
from lindung.enrolments.bpjs import (
    BatchFileError,
    bpjs_batch_download,
    bpjs_export,
    bpjs_result_import,
    require_exchange,
)
from lindung.enrolments.models import BpjsBatch
from lindung.enrolments.selectors import bpjs_batches
from lindung.enrolments.services import EnrolmentError
from lindung.programmes.models import Programme
from lindung.spreadsheets.limits import ImportFileError


class Command(BaseCommand):
    help = "Exchange batches with BPJS: export the verified enrolments as a new batch, or import BPJS's answer."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        export = sub.add_parser("export", help="Write the verified enrolments not yet sent as one new batch.")
        export.add_argument("--programme", metavar="CODE", required=True, help="The programme's code.")
        export.add_argument("--out", metavar="FILE.xlsx", type=Path, required=True, help="Where to write the batch.")
        download = sub.add_parser("download", help="Write a batch's kept file again, byte for byte.")
        download.add_argument("--programme", metavar="CODE", required=True, help="The programme's code.")
        download.add_argument("--batch", metavar="NUMBER", type=int, required=True, help="The batch's number.")
        download.add_argument("--out", metavar="FILE.xlsx", type=Path, required=True, help="Where to write it.")
        result = sub.add_parser("import-result", help="Activate or reject sent enrolments from BPJS's answer file.")
        result.add_argument("file", type=Path, metavar="FILE")
        result.add_argument("--batch", metavar="NUMBER", type=int, help="Only this batch (with --programme).")
        result.add_argument("--programme", metavar="CODE", help="The batch's programme code.")
        result.add_argument("--json", action="store_true", help="Print the outcome as one JSON object.")
        for command in (export, download, result):
            command.add_argument("--as", dest="username", metavar="USERNAME", help="The user doing it.")
            add_lang_argument(command)

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            actor = self._actor(options["username"])
            try:
                if options["subcommand"] == "export":
                    self._export(actor, options)
                elif options["subcommand"] == "download":
                    self._download(actor, options)
                else:
                    self._import_result(actor, options)
            except PermissionDenied:
                raise CommandError(
                    gettext("User %(name)s may not do this exchange with BPJS.") % {"name": actor.username}
                ) from None

    def _actor(self, username: str | None) -> User:
        if not username:
            raise CommandError(gettext("Say who does this with --as USERNAME."))
        return active_user(username)

    def _export(self, actor: User, options: dict[str, Any]) -> None:
        programme = Programme.objects.filter(code=options["programme"]).first()
        if programme is None:
            raise CommandError(gettext("There is no programme %(code)s.") % {"code": options["programme"]})
        out: Path = options["out"]
        if not out.parent.is_dir():
            raise CommandError(gettext("There is no folder %(path)s.") % {"path": out.parent})
        # Written next to the destination and renamed once the batch is committed: never a file for
        # a batch that does not exist, nor a half-written one.
        fd, name = tempfile.mkstemp(suffix=".xlsx", dir=out.parent)
        os.close(fd)
        partial = Path(name)
        try:
            batch = bpjs_export(actor=actor, programme=programme, out=str(partial))
            if batch is not None:
                partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
        if batch is None:
            self.stdout.write(
                gettext("Programme %(code)s has no verified enrolment waiting; no batch was written.")
                % {"code": programme.code}
            )
            return
        self.stdout.write(
            gettext("Batch %(number)s of programme %(code)s: %(count)s enrolments sent to BPJS, written to %(path)s.")
            % {"number": batch.number, "code": programme.code, "count": batch.count, "path": out}
        )

    def _batch(self, actor: User, code: str | None, number: int) -> BpjsBatch:
        """The batch of programme ``code`` numbered ``number`` in the actor's region, or a refusal that does not
        tell a batch of another region from one that does not exist."""
        require_exchange(actor)
        batch = bpjs_batches(user=actor).filter(programme__code=code or "", number=number).first()
        if batch is None:
            raise CommandError(
                gettext("There is no batch %(number)s of programme %(code)s in your region.")
                % {"number": number, "code": code or "-"}
            )
        return batch

    def _download(self, actor: User, options: dict[str, Any]) -> None:
        batch = self._batch(actor, options["programme"], options["batch"])
        out: Path = options["out"]
        if not out.parent.is_dir():
            raise CommandError(gettext("There is no folder %(path)s.") % {"path": out.parent})
        fd, name = tempfile.mkstemp(suffix=".xlsx", dir=out.parent)
        partial = Path(name)
        try:
            with os.fdopen(fd, "wb") as f:
                bpjs_batch_download(actor=actor, batch=batch, out=f)
            partial.replace(out)
        except BatchFileError as exc:
            raise CommandError(exc.message) from None
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            gettext("Batch %(number)s of programme %(code)s written to %(path)s (SHA-256 %(sha256)s).")
            % {"number": batch.number, "code": batch.programme.code, "path": out, "sha256": batch.sha256}
        )

    def _import_result(self, actor: User, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(gettext("There is no file %(path)s.") % {"path": path})
        batch = None if options["batch"] is None else self._batch(actor, options["programme"], options["batch"])
        try:
            result = bpjs_result_import(actor=actor, path=path, batch=batch)
        except ImportFileError as exc:
            raise CommandError(exc.message) from None
        except (EnrolmentError, Http404) as exc:
            # The rows were checked first; this is a change made by somebody else meanwhile. Nothing was written.
            raise CommandError(
                gettext("Nothing was written: %(reason)s Run the import again.") % {"reason": str(exc) or "-"}
            ) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        self.stdout.write(
            gettext(
                "%(rows)d rows: %(activated)d activated, %(rejected)d rejected by BPJS, "
                "%(unchanged)d already done, %(errors)d with errors."
            )
            % {**result.as_json(), "errors": result.error_rows}
        )
        write_row_errors(
            self.stdout, result.errors, not_listed=result.error_rows_not_listed, counts=result.error_counts
        )
