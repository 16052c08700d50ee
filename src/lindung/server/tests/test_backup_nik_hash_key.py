"""The NIK hash key travels with the backups (docs/decisions/0017): without it the people the retention run
anonymised are no longer recognised when registered again. Each archive carries it (checked by a fingerprint in its
manifest), a restore writes it back to ``LINDUNG_NIK_HASH_KEY_FILE`` (keeping a different key it replaces), a verify
never touches the installation's own; plain and encrypted, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import secrets
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from lindung.server import backup_crypto
from lindung.server.backup import (
    MANIFEST,
    NIK_HASH_KEY,
    BackupError,
    backup_create,
    backup_restore,
    backup_verify,
    manifest_read,
    nik_hash_key_fingerprint,
    scratch_database,
    table_fingerprints,
)
from lindung.server.tests.test_backup import new_key_file
from lindung.testing import make_worker
from lindung.workers.models import Worker
from lindung.workers.nik_hash import anonymised_nik, nik_keyed_hash
from lindung.workers.selectors import worker_registered_before


@dataclass(frozen=True)
class Installation:
    key: bytes  # of the NIK's keyed hash
    nik: str  # of the worker anonymised under it


@pytest.fixture
def installation(reference_data: None, settings: Any, tmp_path: Path) -> Installation:
    """A worker anonymised under a key of this installation's own file."""
    key_file = tmp_path / "keys" / "nik_hash_key"
    key_file.parent.mkdir()
    key_file.write_text(secrets.token_hex(32) + "\n")
    key = key_file.read_text().strip().encode()
    settings.LINDUNG_NIK_HASH_KEY_FILE = key_file
    settings.LINDUNG_NIK_HASH_KEY = key
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path / "media"}},
    }
    worker = make_worker(name="Budi Santoso")
    Worker.objects.filter(pk=worker.pk).update(
        nik=anonymised_nik(worker.pk), nik_hash=nik_keyed_hash(worker.nik), name="", anonymised_on="2026-01-01"
    )
    return Installation(key=key, nik=worker.nik)


@pytest.fixture(params=["plain", "encrypted"])
def encryption(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> Path | None:
    if request.param == "plain":
        return None
    (tmp_path / "backup-keys").mkdir()
    settings.LINDUNG_BACKUP_KEY = new_key_file(tmp_path / "backup-keys" / "backup.key")
    return settings.LINDUNG_BACKUP_KEY


def test_the_archive_carries_the_key_and_a_restore_brings_it_back(
    installation: Installation, encryption: Path | None, tmp_path: Path, settings: Any
) -> None:
    archive = backup_create(tmp_path / "backups")
    manifest = manifest_read(archive)
    assert manifest["nik_hash_key"] == nik_hash_key_fingerprint(installation.key)
    assert installation.key.decode() not in json.dumps(manifest)  # a fingerprint, never the key
    if encryption is None:
        with tarfile.open(archive) as tar:
            member = tar.extractfile(NIK_HASH_KEY)
            assert member is not None and member.read().strip() == installation.key
    else:
        assert installation.key not in archive.read_bytes()  # sealed with the rest

    # A new machine: its own key file was made at start-up, unlike the one that hashed the backup's workers.
    settings.LINDUNG_NIK_HASH_KEY_FILE = fresh = tmp_path / "new-machine" / "nik_hash_key"
    fresh.parent.mkdir()
    fresh.write_text("0" * 64 + "\n")
    with scratch_database() as config:
        comparison = backup_restore(archive, config=config, media=tmp_path / "restored-media")
        assert comparison.equal, comparison.differences
        assert table_fingerprints(config)["workers_worker"] == table_fingerprints()["workers_worker"]
    assert comparison.nik_hash_key == fresh
    assert fresh.read_text().strip().encode() == installation.key
    assert fresh.stat().st_mode & 0o777 == 0o600
    # The key it replaced is kept beside it, not destroyed.
    [replaced] = fresh.parent.glob("nik_hash_key.replaced-*")
    assert replaced.read_text().strip() == "0" * 64
    # With the restored key, the anonymised worker's NIK typed again is recognised (registration's look-up); with
    # the new machine's own key it was not.
    nik = installation.nik
    settings.LINDUNG_NIK_HASH_KEY = replaced.read_text().strip().encode()
    assert worker_registered_before(nik=nik) is None
    settings.LINDUNG_NIK_HASH_KEY = fresh.read_text().strip().encode()
    assert worker_registered_before(nik=nik) is not None


def test_a_restore_onto_the_same_key_leaves_the_file_alone(
    installation: Installation, tmp_path: Path, settings: Any
) -> None:
    archive = backup_create(tmp_path / "backups")
    key_file: Path = settings.LINDUNG_NIK_HASH_KEY_FILE
    before = key_file.stat().st_mtime_ns
    with scratch_database() as config:
        comparison = backup_restore(archive, config=config, media=tmp_path / "restored-media")
    assert comparison.nik_hash_key == key_file
    assert key_file.stat().st_mtime_ns == before
    assert not list(key_file.parent.glob("*.replaced-*"))


def test_a_verify_never_touches_the_installation_s_key(
    installation: Installation, tmp_path: Path, settings: Any
) -> None:
    archive = backup_create(tmp_path / "backups")
    key_file: Path = settings.LINDUNG_NIK_HASH_KEY_FILE
    key_file.write_text("f" * 64 + "\n")  # changed since the backup (it must not be: decision 0017)
    comparison = backup_verify(archive)
    assert comparison.equal and comparison.nik_hash_key is not None
    assert comparison.nik_hash_key.name == NIK_HASH_KEY and comparison.nik_hash_key.parent != key_file.parent
    assert key_file.read_text() == "f" * 64 + "\n"
    assert not list(key_file.parent.glob("*.replaced-*"))


def test_an_archive_whose_key_does_not_match_its_manifest_is_refused_with_nothing_restored(
    installation: Installation, tmp_path: Path, settings: Any
) -> None:
    archive = backup_create(tmp_path / "backups")
    assert backup_crypto.read_header(io.BytesIO(archive.read_bytes())) is None  # plain: rewritten below
    forged = tmp_path / "forged.tar"
    with tarfile.open(archive) as source, tarfile.open(forged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name == NIK_HASH_KEY:
                other = (secrets.token_hex(32) + "\n").encode()
                member.size = len(other)
                target.addfile(member, io.BytesIO(other))
            else:
                target.addfile(member, data)
    key_file: Path = settings.LINDUNG_NIK_HASH_KEY_FILE
    with scratch_database() as config:
        with translation.override("en"), pytest.raises(BackupError, match="NIK hash key is missing or does not"):
            backup_restore(forged, config=config, media=tmp_path / "refused-media")
        assert table_fingerprints(config) == {}
    assert key_file.read_text().strip().encode() == installation.key


def test_an_archive_made_before_backups_carried_the_key_restores_and_says_what_to_do(
    installation: Installation, tmp_path: Path, settings: Any
) -> None:
    archive = backup_create(tmp_path / "backups")
    old = tmp_path / "old.tar"
    with tarfile.open(archive) as source, tarfile.open(old, "w") as target:
        for member in source.getmembers():
            if member.name == NIK_HASH_KEY:
                continue
            if member.name == MANIFEST:
                manifest_file = source.extractfile(member)
                assert manifest_file is not None
                manifest = json.loads(manifest_file.read())
                del manifest["nik_hash_key"]
                text = json.dumps(manifest).encode()
                member.size = len(text)
                target.addfile(member, io.BytesIO(text))
            else:
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
    with scratch_database() as config:
        comparison = backup_restore(old, config=config, media=tmp_path / "old-media")
    assert comparison.equal and comparison.nik_hash_key is None


@pytest.mark.django_db(transaction=True)
def test_the_restore_command_says_where_the_key_went(
    installation: Installation, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = backup_create(tmp_path / "backups")
    target = tmp_path / "elsewhere" / "nik_hash_key"
    settings.LINDUNG_NIK_HASH_KEY_FILE = target
    with scratch_database() as config:
        from lindung.server import backup

        restore = backup.backup_restore
        monkeypatch.setattr(
            "lindung.server.management.commands.restore.backup_restore",
            lambda path, **options: restore(path, config=config, media=tmp_path / "m", **options),
        )
        monkeypatch.setattr("lindung.server.management.commands.restore.audit_record", lambda **kwargs: None)
        out = io.StringIO()
        with translation.override("en"):
            call_command("restore", str(archive), stdout=out)
    assert f"The NIK hash key is restored into {target}" in out.getvalue()
    assert target.read_text().strip().encode() == installation.key


def test_a_key_that_cannot_be_written_stops_the_restore_before_the_database(
    installation: Installation, tmp_path: Path
) -> None:
    archive = backup_create(tmp_path / "backups")
    (tmp_path / "a-file").write_text("not a folder")
    with scratch_database() as config:
        with (
            translation.override("en"),
            pytest.raises(BackupError, match=r"cannot be written to .*nothing was restored"),
        ):
            backup_restore(
                archive, config=config, media=tmp_path / "m", nik_hash_key=tmp_path / "a-file" / "nik_hash_key"
            )
        assert table_fingerprints(config) == {}
