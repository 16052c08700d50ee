"""``lindung backup --out FOLDER [--keep N] [--verify]``: the database and the stored files in one dated archive,
encrypted with ``LINDUNG_BACKUP_KEY`` when it is set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lindung.server.backup import BackupError, backup_create, backup_verify, backups_prune


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump custom format; SQLite: the online backup API) and the stored "
        "files into one dated archive lindung-backup-YYYYMMDD-HHMMSS.tar in --out (or to --out itself when it "
        "ends in .tar), with every table's row count and checksum. --verify restores it into a scratch database "
        "and compares; --keep N removes all but the N newest archives of the folder (encrypted or not). With "
        "LINDUNG_BACKUP_KEY set (a key file made by `lindung backup-key`), the archive is encrypted as it is "
        "written: lindung-backup-YYYYMMDD-HHMMSS.tar.enc. The archive holds personal data: keep it as safe as the "
        "database, and the key away from it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            required=True,
            help="Folder for the archive, or the archive's name (.tar; .tar.enc when encrypted).",
        )
        parser.add_argument("--keep", type=int, help="Keep only this many newest archives in the folder.")
        parser.add_argument("--verify", action="store_true", help="Restore into a scratch database and compare.")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        keep = options["keep"]
        if keep is not None and keep < 1:
            raise CommandError(_("--keep must be at least 1."))
        try:
            archive = backup_create(out)
            self.stdout.write(_("Backup written: %(path)s") % {"path": archive})
            if options["verify"]:
                comparison = backup_verify(archive)
                if not comparison.equal:
                    raise CommandError(
                        _("The restored copy differs from the backup in: %(tables)s")
                        % {"tables": ", ".join(comparison.differences)}
                    )
                self.stdout.write(
                    _("Verified: restored into a scratch database, %(tables)d tables equal.")
                    % {"tables": comparison.tables}
                )
            if keep is not None:
                for removed in backups_prune(archive.parent, keep):
                    self.stdout.write(_("Removed the older backup %(path)s") % {"path": removed})
        except BackupError as exc:
            raise CommandError(str(exc)) from None
