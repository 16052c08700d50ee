"""``lindung restore ARCHIVE``: a backup into a new, empty database (then ``lindung migrate`` if it is older)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lindung.audit.services import audit_record
from lindung.server.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `lindung backup` into the configured database, which must be new and empty "
        "(the same engine as the backup's), and its files into the media folder; then compare every table with "
        "the backup's manifest. An encrypted archive (.tar.enc) is decrypted with the key of LINDUNG_BACKUP_KEY, "
        "or of --key, and checked to its end before anything is restored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="The lindung-backup-….tar or ….tar.enc file.")
        parser.add_argument(
            "--key", help="The key file of an encrypted archive, instead of LINDUNG_BACKUP_KEY (e.g. an older key)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": archive})
        try:
            comparison = backup_restore(archive, key_file=Path(options["key"]).absolute() if options["key"] else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if not comparison.equal:
            raise CommandError(
                _("The restored database differs from the backup in: %(tables)s")
                % {"tables": ", ".join(comparison.differences)}
            )
        audit_record(actor=None, action="backup.restored", note=archive.name)
        self.stdout.write(_("Restored: %(tables)d tables equal to the backup.") % {"tables": comparison.tables})
        if comparison.nik_hash_key is not None:
            self.stdout.write(
                _("The NIK hash key is restored into %(path)s: anonymised people are recognised again.")
                % {"path": comparison.nik_hash_key}
            )
        else:
            self.stdout.write(
                _(
                    "This backup holds no NIK hash key (made before backups carried it): copy the key file of the "
                    "installation it came from into %(path)s, or anonymised people registered again are not "
                    "recognised."
                )
                % {"path": settings.LINDUNG_NIK_HASH_KEY_FILE}
            )
