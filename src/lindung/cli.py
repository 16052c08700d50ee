"""The ``lindung`` console script: any Django management command with Lindung's settings, and ``lindung
backup-key``, which needs no settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    args[0] = "lindung"
    if args[1:2] == ["backup-key"]:
        # Before the settings: it needs none, creates no data folder, and runs while LINDUNG_BACKUP_KEY names a
        # key file that it is about to make.
        from lindung.backup_key import main as backup_key

        sys.exit(backup_key(args[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lindung.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
