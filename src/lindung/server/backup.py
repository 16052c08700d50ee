"""Backups that restore: one dated archive holds the database and the stored files, with a manifest of every
table's row count and checksum, so that a restore can be proven equal to what was backed up.

- **PostgreSQL**: ``pg_dump --format=custom`` (consistent, the server keeps serving), restored with ``pg_restore``.
- **SQLite**: the online backup API (a consistent copy while the web server and the worker keep running).
- **Files**: the media folder (uploads waiting for their job, error files, the BPJS batches' files). The database is
  copied first: a batch's file is on disk before its batch commits, so every batch in the copy has its file.
- **The NIK hash key** (``LINDUNG_NIK_HASH_KEY_FILE``, docs/decisions/0017): without it the people the retention run
  anonymised can no longer be recognised when they are registered again, so it travels with the database it
  hashed. The manifest names it by a one-way fingerprint; a restore checks it and writes it back to the key file
  (keeping a different file it replaces beside it), a verify into its scratch folder. With it, whoever holds the
  archive could find an anonymised person's NIK by trying every NIK: encrypt backups (``LINDUNG_BACKUP_KEY``).
- **Checksums** are computed by the database itself on PostgreSQL (the rows' text, hashed and summed: no table is
  read into Python) and row by row on SQLite (small installations): a checksum compares the same engine only.

The archive is a plain tar (``lindung-backup-YYYYMMDD-HHMMSS.tar``): the dump inside is already compressed on
PostgreSQL, and any tool can open it. It holds personal data: keep it where the database is kept (PDP.md).

With ``LINDUNG_BACKUP_KEY`` set, the tar is encrypted as it is written (``….tar.enc``, ``backup_crypto``): no
plain copy of it is ever on disk, and restore and verify decrypt it as they read it, a chunk at a time. Every
chunk is checked before the restore writes anything: a wrong key, a changed byte or a cut archive stops it with
nothing restored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from lindung.audit.services import audit_record
from lindung.backup_key import KeyFileError, read_key_file
from lindung.server import backup_crypto

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
NIK_HASH_KEY = "nik_hash_key"
FORMAT = 1
PREFIX = "lindung-backup-"
PLAIN = ".tar"
ENCRYPTED = ".tar.enc"


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in a sentence."""


@dataclass(frozen=True)
class Comparison:
    """Tables whose count or checksum differ between a manifest and a database (empty: equal); where a restore put
    the archive's NIK hash key (``None``: an archive made before backups carried it)."""

    tables: int
    differences: dict[str, tuple[Any, Any]]
    nik_hash_key: Path | None = None

    @property
    def equal(self) -> bool:
        return not self.differences


# --- checksums -------------------------------------------------------------------------------------------


def table_fingerprints(config: dict[str, Any] | None = None) -> dict[str, list[int | str]]:
    """Per table of the database (the configured one, or the one ``config`` describes): [row count, checksum of
    its contents]."""
    if config is None:
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            return sqlite_fingerprints(connection.connection)
        with connection.cursor() as cursor:
            return _pg_fingerprints(cursor)
    with _raw_connection(config) as raw:
        if _engine(config) == "sqlite":
            return sqlite_fingerprints(raw)
        with raw.cursor() as cursor:
            return _pg_fingerprints(cursor)


def _pg_fingerprints(cursor: Any) -> dict[str, list[int | str]]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    fingerprints: dict[str, list[int | str]] = {}
    for (table,) in list(cursor.fetchall()):
        # Order-free: the sum of each row's hash, so no sort and nothing in memory.
        cursor.execute(
            "SELECT COUNT(*), COALESCE(SUM(hashtextextended(t::text, 0)), 0)::text"  # noqa: S608 - catalogue names
            f' FROM "{table}" t'
        )
        count, checksum = cursor.fetchone()
        fingerprints[table] = [int(count), str(checksum)]
    return fingerprints


def sqlite_fingerprints(database: sqlite3.Connection) -> dict[str, list[int | str]]:
    """The same for SQLite: each row written as SQL literals by the database (``quote()``), so the values are
    compared as stored whatever converters the connection has, hashed and summed in Python."""
    names = [
        row[0]
        for row in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    fingerprints: dict[str, list[int | str]] = {}
    for name in names:
        columns = [row[1] for row in database.execute(f'PRAGMA table_info("{name}")')]
        text = " || ',' || ".join(f'quote("{column}")' for column in columns) or "''"
        total = count = 0
        cursor = database.execute(f'SELECT {text} FROM "{name}"')  # noqa: S608 - catalogue names
        while rows := cursor.fetchmany(5000):
            for (row,) in rows:
                digest = hashlib.blake2b(str(row).encode(), digest_size=8).digest()
                total = (total + int.from_bytes(digest, "big")) % (1 << 64)
                count += 1
        fingerprints[name] = [count, str(total)]
    return fingerprints


def compare(expected: dict[str, list[int | str]], found: dict[str, list[int | str]]) -> Comparison:
    differences = {
        table: (expected.get(table), found.get(table))
        for table in sorted(set(expected) | set(found))
        if expected.get(table) != found.get(table)
    }
    return Comparison(tables=len(expected), differences=differences)


# --- backup ----------------------------------------------------------------------------------------------


def backup_create(out: Path, *, now: dt.datetime | None = None) -> Path:
    """Write the archive into the folder ``out`` (created if missing), or to ``out`` itself when it names an
    archive (``.tar``, or ``.tar.enc`` when ``LINDUNG_BACKUP_KEY`` is set: then the archive is encrypted);
    returns its path."""
    now = now or timezone.now()
    key_file: Path | None = settings.LINDUNG_BACKUP_KEY
    suffix = ENCRYPTED if key_file is not None else PLAIN
    if out.name.endswith((PLAIN, ENCRYPTED)):
        if not out.name.endswith(suffix):
            if key_file is not None:
                message = gettext("Backups are encrypted (LINDUNG_BACKUP_KEY): name the archive %(name)s.")
            else:
                message = gettext("%(name)s names an encrypted archive, but LINDUNG_BACKUP_KEY is not set.")
            raise BackupError(message % {"name": out.name.removesuffix(ENCRYPTED).removesuffix(PLAIN) + suffix})
        target = out
    else:
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{PREFIX}{timezone.localtime(now):%Y%m%d-%H%M%S}{suffix}"
    key = _key(key_file) if key_file is not None else None
    target.parent.mkdir(parents=True, exist_ok=True)
    # A whole export of everyone's personal data: audited like any export, before the dump so that the
    # archive holds its own entry too.
    audit_record(actor=None, action="backup.created", note=target.name)
    with tempfile.TemporaryDirectory(dir=settings.LINDUNG_TMP_DIR) as work:
        folder = Path(work)
        database, tables = _dump(folder)
        hash_key = _nik_hash_key_read(settings.LINDUNG_NIK_HASH_KEY_FILE)
        (folder / NIK_HASH_KEY).write_bytes(hash_key)
        manifest = {
            "format": FORMAT,
            "engine": connection.vendor,
            "created_at": now.isoformat(),
            "database": database.name,
            "tables": tables,
            "nik_hash_key": nik_hash_key_fingerprint(hash_key),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        partial = target.with_name(target.name + ".part")
        try:
            _archive_write(partial, folder, database, key)
        except BaseException:
            partial.unlink(missing_ok=True)  # personal data, and never a whole archive
            raise
        partial.replace(target)  # a half-written archive never carries the final name
    return target


def _archive_write(path: Path, folder: Path, database: Path, key: bytes | None) -> None:
    """The tar of the manifest, the database's copy and the media folder, written as a stream into ``path``
    (through the encryptor when there is a key) and flushed to the disk."""
    # Personal data inside: readable by the owner only from its first byte.
    with open(path, "wb", opener=lambda name, flags: os.open(name, flags, 0o600)) as file:
        path.chmod(0o600)  # a .part left by a killed run keeps its mode
        writer = backup_crypto.EncryptingWriter(file, key) if key is not None else None
        sink = writer if writer is not None else file
        # A stream ("w|", "r|") needs only write() or read(); the stubs ask for a whole binary file.
        with tarfile.open(fileobj=sink, mode="w|") as archive:  # type: ignore[call-overload]
            archive.add(folder / MANIFEST, arcname=MANIFEST)  # first, so that reading it needs no more
            archive.add(database, arcname=database.name)
            archive.add(folder / NIK_HASH_KEY, arcname=NIK_HASH_KEY)
            media = _media_root()
            if media.is_dir():
                archive.add(media, arcname=MEDIA)
        if writer is not None:
            writer.finish()
        file.flush()
        os.fsync(file.fileno())


def nik_hash_key_fingerprint(key: bytes) -> str:
    """What the manifest says of the NIK hash key: 16 hexadecimal digits of its SHA-256 (a random key of 32 bytes
    or more: the digits tell nothing of it)."""
    return hashlib.sha256(key.strip()).hexdigest()[:16]


def _nik_hash_key_read(path: Path) -> bytes:
    return path.read_bytes().strip() + b"\n"


def _nik_hash_key_restore(folder: Path, manifest: dict[str, Any], target: Path, now: dt.datetime) -> Path | None:
    """Write the archive's NIK hash key (extracted into ``folder``) to ``target``, after checking it against the
    manifest. A different key already there is kept beside it (``….replaced-YYYYMMDD-HHMMSS``): the database it
    hashed is empty (a restore goes only into an empty one), but it is not Lindung's to destroy."""
    expected = manifest.get("nik_hash_key")
    source = folder / NIK_HASH_KEY
    if expected is None:
        return None  # an archive made before backups carried the key
    if not source.is_file() or nik_hash_key_fingerprint(source.read_bytes()) != expected:
        raise BackupError(gettext("The backup's NIK hash key is missing or does not match its manifest."))
    key = _nik_hash_key_read(source)
    if target.is_file():
        if _nik_hash_key_read(target) == key:
            return target
        target.replace(target.with_name(f"{target.name}.replaced-{timezone.localtime(now):%Y%m%d-%H%M%S}"))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with open(partial, "wb", opener=lambda name, flags: os.open(name, flags, 0o600)) as file:
        file.write(key)
        file.flush()
        os.fsync(file.fileno())
    partial.replace(target)
    return target


def is_archive(path: Path) -> bool:
    """A backup's name, encrypted or not (not a ``.part`` still being written)."""
    return path.name.startswith(PREFIX) and path.name.endswith((PLAIN, ENCRYPTED))


def backups_prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest archives of ``folder``, encrypted or not; returns the removed."""
    archives = sorted(
        (path for path in folder.iterdir() if path.is_file() and is_archive(path)),
        key=lambda path: path.name.removesuffix(ENCRYPTED).removesuffix(PLAIN),  # the date and time
        reverse=True,
    )
    removed = archives[keep:]
    for path in removed:
        path.unlink()
    return removed


def _dump(folder: Path) -> tuple[Path, dict[str, list[int | str]]]:
    """The database's copy and the fingerprints of exactly what it holds."""
    if connection.vendor == "postgresql":
        target = folder / PG_DUMP
        # pg_dump reads the snapshot this transaction exported, so the fingerprints describe the same rows.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--snapshot",
                    snapshot,
                    "--file",
                    str(target),
                ],
                _pg_env(),
            )
            return target, table_fingerprints()
    if connection.vendor == "sqlite":
        target = folder / SQLITE_COPY
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        copy = sqlite3.connect(target)
        try:
            return target, sqlite_fingerprints(copy)
        finally:
            copy.close()
    raise BackupError(gettext("No backup is possible for a %(engine)s database.") % {"engine": connection.vendor})


# --- restore ---------------------------------------------------------------------------------------------


def _key(key_file: Path) -> bytes:
    try:
        return read_key_file(key_file)
    except KeyFileError as exc:
        raise BackupError(gettext("The backup key cannot be used: %(reason)s") % {"reason": exc}) from None


@contextlib.contextmanager
def _reading(archive: Path, key_file: Path | None) -> Iterator[tuple[tarfile.TarFile, Callable[[], None]]]:
    """The archive's tar, read from the start (decrypted as it is read when it is encrypted, with the key in
    ``key_file`` or else ``LINDUNG_BACKUP_KEY``), and a function that checks the rest of it to its end."""
    path = {"path": archive}
    with archive.open("rb") as raw:
        try:
            header = backup_crypto.read_header(raw)
            if header is None:
                raw.seek(0)
                with tarfile.open(fileobj=raw) as tar:
                    yield tar, lambda: None
                return
            key_file = key_file or settings.LINDUNG_BACKUP_KEY
            if key_file is None:
                raise BackupError(
                    gettext(
                        "%(path)s is encrypted: set LINDUNG_BACKUP_KEY to the file of the key it was made with "
                        "(key id %(id)s), or name that file with --key."
                    )
                    % {**path, "id": header.key_id}
                )
            reader = backup_crypto.DecryptingReader(raw, _key(key_file), header)
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]  # as in backup_create
                yield tar, reader.read_to_end
        except backup_crypto.WrongKey as exc:
            raise BackupError(
                gettext(
                    "%(path)s was encrypted with another key (key id %(archive)s); the key in %(file)s has key id "
                    "%(key)s. Restore it with the key it was made with."
                )
                % {**path, "archive": exc.archive_key_id, "file": key_file, "key": exc.key_id}
            ) from None
        except backup_crypto.UnknownVersion:
            raise BackupError(
                gettext("%(path)s was encrypted by another version of Lindung's backup.") % path
            ) from None
        except backup_crypto.Truncated:
            raise BackupError(
                gettext("%(path)s is cut short: it ends before its last part (an interrupted copy?).") % path
            ) from None
        except backup_crypto.Damaged as exc:
            where = gettext("its header") if exc.chunk is None else gettext("part %(n)d") % {"n": exc.chunk + 1}
            raise BackupError(
                gettext("%(path)s is damaged, cut short or altered (%(where)s fails its check): it cannot be restored.")
                % {**path, "where": where}
            ) from None


def manifest_read(archive: Path, *, key_file: Path | None = None) -> dict[str, Any]:
    try:
        with _reading(archive, key_file) as (tar, _rest):
            member = next((member for member in tar if member.name == MANIFEST), None)
            file = tar.extractfile(member) if member is not None else None
            if file is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(file.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(
            gettext("%(path)s is not a Lindung backup (%(reason)s).") % {"path": archive, "reason": exc}
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(gettext("%(path)s was made by another version of Lindung's backup.") % {"path": archive})
    return manifest


def backup_restore(
    archive: Path,
    *,
    config: dict[str, Any] | None = None,
    media: Path | None = None,
    key_file: Path | None = None,
    nik_hash_key: Path | None = None,
) -> Comparison:
    """Restore ``archive`` into an empty database (the configured one, or the one ``config`` describes), its
    files into the media folder (or ``media``) and its NIK hash key into ``LINDUNG_NIK_HASH_KEY_FILE`` (or
    ``nik_hash_key``); returns the comparison of the restored tables with the manifest. An encrypted archive is
    decrypted with the key in ``key_file``, or else ``LINDUNG_BACKUP_KEY``, and checked to its end before anything
    is restored."""
    manifest = manifest_read(archive, key_file=key_file)
    if config is None:
        connection.close()  # the restore writes through its own connection
        config = dict(connection.settings_dict)
    engine = _engine(config)
    if manifest["engine"] != engine:
        raise BackupError(
            gettext("The backup is of a %(backup)s database; this one is %(engine)s.")
            % {"backup": manifest["engine"], "engine": engine}
        )
    if table_fingerprints(config):
        raise BackupError(gettext("The database is not empty: restore only into a new, empty database."))
    with tempfile.TemporaryDirectory(dir=settings.LINDUNG_TMP_DIR) as work:
        folder = Path(work)
        try:
            with _reading(archive, key_file) as (tar, rest):
                tar.extractall(folder, filter="data")
                rest()  # an encrypted archive is checked to its last chunk before anything is restored
        except (OSError, tarfile.TarError) as exc:
            raise BackupError(
                gettext("%(path)s is not a Lindung backup (%(reason)s).") % {"path": archive, "reason": exc}
            ) from None
        database = folder / manifest["database"]
        # Before the database: a key that cannot be written stops the restore with nothing restored.
        target = nik_hash_key or settings.LINDUNG_NIK_HASH_KEY_FILE
        try:
            key_restored = _nik_hash_key_restore(folder, manifest, target, timezone.now())
        except OSError as exc:
            raise BackupError(
                gettext("The NIK hash key cannot be written to %(path)s (%(reason)s): nothing was restored.")
                % {"path": target, "reason": exc.strerror or exc}
            ) from None
        if engine == "postgresql":
            command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", config["NAME"]]
            _run([*command, str(database)], _pg_env(config))
        else:
            source = sqlite3.connect(database)
            try:
                with _raw_connection(config) as target:
                    source.backup(target)
            finally:
                source.close()
        if (folder / MEDIA).is_dir():
            shutil.copytree(folder / MEDIA, media or _media_root(), dirs_exist_ok=True)
    comparison = compare(manifest["tables"], table_fingerprints(config))
    return Comparison(comparison.tables, comparison.differences, nik_hash_key=key_restored)


@contextlib.contextmanager
def scratch_database() -> Iterator[dict[str, Any]]:
    """A new, empty database beside the configured one (same engine and server), described as Django's settings
    describe a database, removed afterwards."""
    base = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        name = f"{base['NAME']}_verify_{os.getpid()}"[:63]
        try:
            _admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
            _admin_sql(f'CREATE DATABASE "{name}"')
        except DatabaseError as exc:
            raise BackupError(
                gettext(
                    "A scratch database cannot be created (%(reason)s): the check restores into one, so the "
                    "database role needs CREATEDB (as postgres: ALTER ROLE %(role)s CREATEDB)."
                )
                % {"reason": str(exc).strip(), "role": base.get("USER") or "lindung"}
            ) from None
        config = {**base, "NAME": name}
    else:
        handle, path = tempfile.mkstemp(suffix=".sqlite3", dir=settings.LINDUNG_TMP_DIR)
        os.close(handle)
        config = {**base, "NAME": path}
    try:
        yield config
    finally:
        if connection.vendor == "postgresql":
            _admin_sql(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{config['NAME']}{suffix}").unlink(missing_ok=True)


def backup_verify(archive: Path, *, key_file: Path | None = None) -> Comparison:
    """Restore ``archive`` into a scratch database and compare it with its manifest (decrypting it as a
    restore does)."""
    with scratch_database() as config, tempfile.TemporaryDirectory(dir=settings.LINDUNG_TMP_DIR) as media:
        # The key into the scratch folder too: a verify never touches the installation's own key file.
        return backup_restore(
            archive, config=config, media=Path(media), key_file=key_file, nik_hash_key=Path(media) / NIK_HASH_KEY
        )


def _engine(config: dict[str, Any]) -> str:
    return "postgresql" if "postgresql" in str(config["ENGINE"]) else "sqlite"


@contextlib.contextmanager
def _raw_connection(config: dict[str, Any]) -> Iterator[Any]:
    """The driver's own connection to the database ``config`` describes (outside Django's connection handling,
    which a test run restricts to its own databases), committed and closed afterwards."""
    if _engine(config) == "sqlite":
        name = str(config["NAME"])
        raw: Any = sqlite3.connect(name, uri=name.startswith("file:"))
    else:
        import psycopg

        raw = psycopg.connect(
            dbname=config["NAME"],
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
        )
    try:
        yield raw
        raw.commit()
    finally:
        raw.close()


# --- the programs ----------------------------------------------------------------------------------------


def _media_root() -> Path:
    from django.core.files.storage import default_storage

    return Path(default_storage.location)  # type: ignore[attr-defined]  # FileSystemStorage (settings.STORAGES)


def _pg_env(config: dict[str, Any] | None = None) -> dict[str, str]:
    """libpq's environment for the configured database: no password on a command line."""
    config = config or connection.settings_dict
    env = dict(os.environ)
    for key, name in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if config.get(key):
            env[name] = str(config[key])
    return env


def _admin_sql(statement: str) -> None:
    """A statement outside any transaction (CREATE/DROP DATABASE), through the server's maintenance database."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(statement)


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed programs
    except FileNotFoundError:
        raise BackupError(
            gettext("%(program)s is not installed (Debian: apt-get install postgresql-client).")
            % {"program": command[0]}
        ) from None
    if done.returncode != 0:
        raise BackupError(
            gettext("%(program)s failed: %(reason)s") % {"program": command[0], "reason": done.stderr.strip()[-500:]}
        )
