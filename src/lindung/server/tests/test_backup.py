"""Backups that restore: the demo backed up, restored into a new database and compared table by table, on the
suite's database engine (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from lindung.audit.models import AuditEntry
from lindung.server.backup import (
    MANIFEST,
    BackupError,
    backup_create,
    backup_restore,
    backup_verify,
    backups_prune,
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


def test_the_demo_backed_up_restores_into_a_new_database_equal_table_by_table(demo: None, tmp_path: Path) -> None:
    archive = backup_create(tmp_path / "backups")
    assert archive.name.startswith("lindung-backup-") and archive.suffix == ".tar"
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        assert "media/imports/errors.xlsx" in tar.getnames()
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


def test_the_command_verifies_and_keeps_the_newest(demo: None, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for old in ("lindung-backup-20260101-010101.tar", "lindung-backup-20260102-010101.tar"):
        (folder / old).write_bytes(b"")
    out = io.StringIO()
    call_command("backup", "--out", str(folder), "--verify", "--keep", "2", stdout=out)
    text = out.getvalue()
    assert "Verified" in text or "Terverifikasi" in text
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == 2 and "lindung-backup-20260101-010101.tar" not in names
    assert backups_prune(folder, 1) and len(list(folder.iterdir())) == 1


def test_a_file_that_is_not_a_backup_is_refused_in_a_sentence(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar")
    with translation.override("en"), pytest.raises(CommandError, match="is not a Lindung backup"):
        call_command("restore", str(junk))
