"""Backups that restore: the demo backed up, restored into a new database and compared table by table, on the
suite's database engine (SQLite and PostgreSQL), plain and encrypted (LINDUNG_BACKUP_KEY); an encrypted archive
opened with the wrong key, changed or cut is refused in a sentence, with nothing restored."""

from __future__ import annotations

import io
import json
import secrets
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.utils import translation

from lindung.audit.models import AuditEntry
from lindung.backup_key import key_id, read_key_file, write_key_file
from lindung.server import backup, backup_crypto
from lindung.server.backup import (
    MANIFEST,
    BackupError,
    backup_create,
    backup_restore,
    backup_verify,
    backups_prune,
    manifest_read,
    scratch_database,
    table_fingerprints,
)
from lindung.testing import load_small_demo
from lindung.workers.models import Worker


@pytest.fixture
def demo(reference_data: None, settings: Any, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path / "media"}},
    }
    (tmp_path / "media" / "imports").mkdir(parents=True)
    (tmp_path / "media" / "imports" / "errors.xlsx").write_bytes(b"PK stand-in for an error file")
    load_small_demo(workers=60, seed=5)


CHUNK = 4096  # small chunks: the demo's archive spans many, as a real one does


def new_key_file(path: Path) -> Path:
    write_key_file(path, secrets.token_bytes(32))
    return path


@pytest.fixture
def backup_key(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Backups encrypted with a new key, kept apart from the backups."""
    (tmp_path / "keys").mkdir()
    settings.LINDUNG_BACKUP_KEY = new_key_file(tmp_path / "keys" / "backup.key")
    monkeypatch.setattr(backup_crypto, "CHUNK_SIZE", CHUNK)
    return settings.LINDUNG_BACKUP_KEY


@pytest.fixture(params=["plain", "encrypted"])
def encryption(request: pytest.FixtureRequest) -> Path | None:
    """Each test that takes this runs twice: without LINDUNG_BACKUP_KEY, and with it."""
    return request.getfixturevalue("backup_key") if request.param == "encrypted" else None


def test_the_demo_backed_up_restores_into_a_new_database_equal_table_by_table(
    demo: None, encryption: Path | None, tmp_path: Path
) -> None:
    archive = backup_create(tmp_path / "backups")
    assert archive.name.startswith("lindung-backup-")
    manifest = manifest_read(archive)
    if encryption is None:
        assert archive.suffix == ".tar"
        with tarfile.open(archive) as tar:
            assert "media/imports/errors.xlsx" in tar.getnames()
    else:
        assert archive.name.endswith(".tar.enc")
        assert not tarfile.is_tarfile(archive)
        sealed = archive.read_bytes()
        assert sealed.startswith(backup_crypto.MAGIC)
        assert b"PK stand-in" not in sealed and b'"tables"' not in sealed and MANIFEST.encode() not in sealed
        header = backup_crypto.read_header(io.BytesIO(sealed))
        assert header is not None and header.key_id == key_id(read_key_file(encryption))
        assert header.chunk_size == CHUNK and len(sealed) > 20 * CHUNK
    assert archive.stat().st_mode & 0o777 == 0o600
    assert not list(archive.parent.glob("*.part"))
    live = table_fingerprints()
    assert manifest["tables"] == live  # the backup's own audit entry included
    entry = AuditEntry.objects.get(action="backup.created")
    assert entry.note == archive.name
    assert live["workers_worker"][0] == Worker.objects.count() > 0

    with scratch_database() as config:
        media = tmp_path / "restored-media"
        comparison = backup_restore(archive, config=config, media=media)
        assert comparison.equal, comparison.differences
        assert comparison.tables == len(live)
        assert table_fingerprints(config) == live
        assert (media / "imports" / "errors.xlsx").read_bytes() == b"PK stand-in for an error file"


def _refused_with_nothing_restored(archive: Path, tmp_path: Path, message: str, **options: Any) -> None:
    """The restore into a new database stops with ``message``, and the database and the media folder stay
    empty."""
    with scratch_database() as config:
        media = tmp_path / "refused-media"
        with translation.override("en"), pytest.raises(BackupError, match=message):
            backup_restore(archive, config=config, media=media, **options)
        assert table_fingerprints(config) == {}
        assert not media.exists()


def test_an_encrypted_backup_with_the_wrong_key_is_refused_naming_both_keys(
    demo: None, backup_key: Path, tmp_path: Path
) -> None:
    archive = backup_create(tmp_path / "backups")
    other = new_key_file(tmp_path / "keys" / "other.key")
    ids = key_id(read_key_file(backup_key)), key_id(read_key_file(other))
    _refused_with_nothing_restored(
        archive,
        tmp_path,
        rf"encrypted with another key \(key id {ids[0]}\); the key in .*other.key has key id {ids[1]}",
        key_file=other,
    )
    with translation.override("en"), pytest.raises(CommandError, match=f"another key .*{ids[0]}"):
        call_command("restore", str(archive), "--key", str(other))
    with translation.override("id"), pytest.raises(CommandError, match=f"kunci lain .*{ids[0]}"):
        call_command("restore", str(archive), "--key", str(other))


def test_an_encrypted_backup_without_a_key_is_refused_naming_its_key(
    demo: None, backup_key: Path, tmp_path: Path, settings: Any
) -> None:
    archive = backup_create(tmp_path / "backups")
    settings.LINDUNG_BACKUP_KEY = None
    _refused_with_nothing_restored(
        archive, tmp_path, f"is encrypted: set LINDUNG_BACKUP_KEY .*key id {key_id(read_key_file(backup_key))}"
    )
    # An older key named for one restore: decrypted with it, with no setting.
    with scratch_database() as config:
        comparison = backup_restore(archive, config=config, media=tmp_path / "m", key_file=backup_key)
        assert comparison.equal, comparison.differences


def test_an_encrypted_backup_with_a_changed_byte_is_refused(demo: None, backup_key: Path, tmp_path: Path) -> None:
    archive = backup_create(tmp_path / "backups")
    sealed = bytearray(archive.read_bytes())
    # Past the manifest's chunks: the restore has begun reading the database when it finds the change.
    sealed[len(sealed) * 3 // 4] ^= 0x01
    changed = tmp_path / "changed.tar.enc"
    changed.write_bytes(bytes(sealed))
    part = (len(sealed) * 3 // 4 - backup_crypto.HEADER_SIZE) // (CHUNK + backup_crypto.TAG_SIZE) + 1
    _refused_with_nothing_restored(changed, tmp_path, rf"is damaged, cut short or altered \(part {part} fails")
    with translation.override("en"), pytest.raises(BackupError, match="damaged"):
        backup_verify(changed)


def test_an_encrypted_backup_cut_short_is_refused(demo: None, backup_key: Path, tmp_path: Path) -> None:
    archive = backup_create(tmp_path / "backups")
    sealed = archive.read_bytes()
    chunk = CHUNK + backup_crypto.TAG_SIZE
    whole_chunks = (len(sealed) - backup_crypto.HEADER_SIZE - 1) // chunk  # all but the last
    between = tmp_path / "between.tar.enc"  # cut where a chunk ends: only the missing last chunk tells
    between.write_bytes(sealed[: backup_crypto.HEADER_SIZE + whole_chunks * chunk])
    _refused_with_nothing_restored(between, tmp_path, "is cut short: it ends before its last part")
    inside = tmp_path / "inside.tar.enc"  # cut inside a chunk
    inside.write_bytes(sealed[:-100])
    _refused_with_nothing_restored(inside, tmp_path, "is damaged, cut short or altered")
    with translation.override("id"), pytest.raises(BackupError, match="terpotong"):
        backup_verify(between)


def test_the_archive_name_follows_the_setting(demo: None, tmp_path: Path, settings: Any) -> None:
    with translation.override("en"), pytest.raises(BackupError, match="LINDUNG_BACKUP_KEY is not set"):
        backup_create(tmp_path / "one.tar.enc")
    settings.LINDUNG_BACKUP_KEY = new_key_file(tmp_path / "backup.key")
    with translation.override("en"), pytest.raises(BackupError, match=r"name the archive one\.tar\.enc"):
        backup_create(tmp_path / "one.tar")
    assert not AuditEntry.objects.filter(action="backup.created").exists()
    assert backup_create(tmp_path / "one.tar.enc") == tmp_path / "one.tar.enc"


def test_a_changed_row_is_a_difference(demo: None, tmp_path: Path) -> None:
    archive = backup_create(tmp_path / "one.tar")
    worker = Worker.objects.order_by("pk").first()
    assert worker is not None
    Worker.objects.filter(pk=worker.pk).update(name=worker.name + " X")
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    changed = table_fingerprints()
    assert changed["workers_worker"] != manifest["tables"]["workers_worker"]
    assert backup_verify(archive).equal  # the archive itself still restores to what it holds


def test_restore_refuses_a_database_that_is_not_empty(demo: None, tmp_path: Path) -> None:
    archive = backup_create(tmp_path / "one.tar")
    with translation.override("en"), pytest.raises(BackupError, match="not empty"):
        backup_restore(archive)
    with translation.override("id"), pytest.raises(CommandError, match="tidak kosong"):
        call_command("restore", str(archive))


def test_a_backup_that_fails_midway_leaves_no_file(
    demo: None, backup_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full() -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_media_root", full)  # after the manifest and the database went in
    with pytest.raises(OSError, match="No space left"):
        backup_create(tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


def test_the_command_verifies_and_keeps_the_newest(demo: None, encryption: Path | None, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [
        "lindung-backup-20010101-010101.tar",
        "lindung-backup-20010102-010101.tar.enc",
        "lindung-backup-20010103-010101.tar",
    ]
    for name in old:
        (folder / name).write_bytes(b"")
    (folder / "lindung-backup-20010104-010101.tar.enc.part").write_bytes(b"")  # being written: not an archive
    out = io.StringIO()
    call_command("backup", "--out", str(folder), "--verify", "--keep", "3", stdout=out)
    text = out.getvalue()
    assert "Verified" in text or "Terverifikasi" in text
    names = sorted(path.name for path in folder.iterdir())
    made = [name for name in names if name not in old and not name.endswith(".part")]
    assert len(made) == 1 and made[0].endswith(".tar" if encryption is None else ".tar.enc")
    # Encrypted or not, archives count alike: the newest three stay.
    assert names == sorted([*old[1:], made[0], "lindung-backup-20010104-010101.tar.enc.part"])
    assert [path.name for path in backups_prune(folder, 1)] == old[:0:-1]
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [made[0], "lindung-backup-20010104-010101.tar.enc.part"]
    )


def test_a_file_that_is_not_a_backup_is_refused_in_a_sentence(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar")
    with translation.override("en"), pytest.raises(CommandError, match="is not a Lindung backup"):
        call_command("restore", str(junk))


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the scratch database is a file on SQLite")
def test_a_role_that_may_not_create_the_scratch_database_is_told_what_it_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(statement: str) -> None:
        raise DatabaseError("permission denied to create database")

    monkeypatch.setattr(backup, "_admin_sql", refused)
    needs = r"needs CREATEDB \(as postgres: ALTER ROLE "
    with translation.override("en"), pytest.raises(BackupError, match=needs), scratch_database():
        pass
