"""The key that encrypts backups: ``LINDUNG_BACKUP_KEY`` names a file of its own, made by ``lindung backup-key``
(docs/decisions/0011-backup-encryption.md).

The file holds one line, ``lindung-backup-key-1:`` followed by 32 random bytes in URL-safe base64 (43
characters); blank lines and lines starting with ``#`` are comments (the file made here names the key's id in
one). The prefix lets a setting that points at the wrong file (Django's secret key, a TLS key) be caught at
start-up instead of encrypting with it. The key's id, a one-way function of the key, is written into every
archive, so that an archive and a key can be matched without trying them.

No Django settings needed: ``settings.py`` checks the file with it at start-up, and ``lindung
backup-key`` (dispatched by ``lindung.cli`` before Django's settings are loaded) runs even while the setting
points at a key that does not exist yet.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import stat
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PREFIX = "lindung-backup-key-1:"
KEY_BYTES = 32
_LINE = re.compile(r"^lindung-backup-key-1:([A-Za-z0-9_-]{43})$")
_ID_LABEL = b"lindung backup key id 1"
MAKE_ONE = "make one with `lindung backup-key --out FILE`"


class KeyFileError(ValueError):
    """A key file that cannot be used, with the reason in a sentence."""


def key_id(key: bytes) -> str:
    """The key's id: 16 hexadecimal digits, written into each archive and printed beside the key. One-way (an
    HMAC of a fixed label), so the id tells nothing about the key."""
    return hmac.new(key, _ID_LABEL, hashlib.sha256).hexdigest()[:16]


def key_line(key: bytes) -> str:
    return PREFIX + base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")


def parse_key(text: str) -> bytes:
    """The key in a key file's text."""
    lines = [line.strip() for line in text.splitlines()]
    keys = [line for line in lines if line and not line.startswith("#")]
    if len(keys) != 1:
        raise KeyFileError(
            f"it holds {len(keys)} lines that are not comments; a Lindung backup key file holds exactly one, "
            f"{PREFIX} and 43 characters ({MAKE_ONE})"
        )
    match = _LINE.match(keys[0])
    if match is None:
        raise KeyFileError(
            f"it is not a Lindung backup key: its line must be {PREFIX} and 43 characters of A-Z a-z 0-9 - _ "
            f"({MAKE_ONE})"
        )
    key = base64.urlsafe_b64decode(match.group(1) + "=")  # the pattern admits only the alphabet
    if len(key) != KEY_BYTES or key_line(key) != keys[0]:
        raise KeyFileError(f"its key is not {KEY_BYTES} bytes written as Lindung writes them ({MAKE_ONE})")
    return key


def read_key_file(path: Path) -> bytes:
    """The key in ``path``, which must be a file that other users of the machine cannot read."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"{path} does not exist ({MAKE_ONE})") from None
    except OSError as exc:
        raise KeyFileError(f"{path} cannot be reached: {exc.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise KeyFileError(f"{path} is not a file")
    if status.st_mode & 0o007:
        raise KeyFileError(
            f"{path} can be read or changed by every user of this machine (mode {stat.S_IMODE(status.st_mode):04o});"
            " allow only its owner and group: chmod 0640 (owner root, group lindung) or 0600"
        )
    try:
        text = path.read_text(encoding="ascii")
    except PermissionError:
        raise KeyFileError(f"{path} cannot be read by this user (it must be readable by the user lindung)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path} cannot be read as a key file: {exc}") from None
    try:
        return parse_key(text)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from None


def env_backup_key(name: str, default: str = "") -> Path | None:
    """The key file named by the environment variable ``name`` (unset or empty: no key, backups not
    encrypted), checked now: a missing, unreadable, open-to-all or malformed file stops start-up."""
    raw = (os.environ.get(name) or default).strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise ImproperlyConfigured(f"{name} must be the absolute path of a key file; got {raw!r}")
    try:
        read_key_file(path)
    except KeyFileError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return path


def key_file_text(key: bytes, *, now: dt.datetime | None = None) -> str:
    made = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"# Lindung backup key, key id {key_id(key)}, made {made}.\n"
        "# Backups made with this key can be restored only with it: keep a copy away from the backups.\n"
        f"{key_line(key)}\n"
    )


def write_key_file(path: Path, key: bytes) -> None:
    """A new file (never over an existing one: the backups made with that key would be lost), mode 0600."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key_file_text(key))
        file.flush()
        os.fsync(file.fileno())


def main(argv: list[str]) -> int:
    """``lindung backup-key [--out FILE]``: a new key, written to a new file or printed."""
    parser = argparse.ArgumentParser(
        prog="lindung backup-key",
        description=(
            "Make a new key for encrypting backups. Point LINDUNG_BACKUP_KEY at the file, and keep a copy of it "
            "away from the backups: whoever loses the key loses the backups made with it."
        ),
    )
    parser.add_argument("--out", help="The new key file (mode 0600; an existing file is never overwritten).")
    options = parser.parse_args(argv)
    key = secrets.token_bytes(KEY_BYTES)
    if options.out is None:
        sys.stdout.write(key_file_text(key))
        return 0
    path = Path(options.out).expanduser().absolute()
    try:
        write_key_file(path, key)
    except FileExistsError:
        sys.stderr.write(f"lindung backup-key: {path} exists: a key is never overwritten; choose another name.\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"lindung backup-key: {path} cannot be written: {exc.strerror}\n")
        return 1
    sys.stdout.write(
        f"Backup key written to {path} (key id {key_id(key)}).\n"
        "Give it to the user lindung (chgrp lindung, chmod 0640), set LINDUNG_BACKUP_KEY to its path, and keep "
        "a copy away from the backups: without it, the backups made with it cannot be restored.\n"
    )
    return 0
