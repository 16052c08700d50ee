"""The backup key's file (``LINDUNG_BACKUP_KEY``): ``lindung backup-key`` makes one, and anything else (a missing
file, another kind of key, a key readable by every user) stops start-up with a sentence naming the setting."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import lindung.settings
from lindung.backup_key import (
    KeyFileError,
    env_backup_key,
    key_file_text,
    key_id,
    key_line,
    parse_key,
    read_key_file,
    write_key_file,
)

KEY = bytes(range(32))


def run_lindung(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter, our own command
        [sys.executable, "-m", "lindung", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_key_file_reads_back_its_key_and_names_its_id(tmp_path: Path) -> None:
    path = tmp_path / "backup.key"
    write_key_file(path, KEY)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_key_file(path) == KEY
    text = path.read_text()
    assert f"key id {key_id(KEY)}" in text and text.splitlines()[-1] == key_line(KEY)
    assert len(key_line(KEY)) == len("lindung-backup-key-1:") + 43
    assert key_id(KEY) != key_id(bytes(32)) and len(key_id(KEY)) == 16
    with pytest.raises(FileExistsError):
        write_key_file(path, bytes(32))  # never over a key: its backups would be lost
    assert read_key_file(path) == KEY


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "holds 0 lines"),
        ("# only a comment\n", "holds 0 lines"),
        (f"{key_line(KEY)}\n{key_line(bytes(32))}\n", "holds 2 lines"),
        ("django-insecure-abcdefghijklmnopqrstuvwxyz0123456789\n", "is not a Lindung backup key"),
        (key_line(KEY)[:-1] + "\n", "is not a Lindung backup key"),  # 42 characters
        (key_line(KEY) + "=\n", "is not a Lindung backup key"),
        (key_line(KEY)[:-1] + ("B" if key_line(KEY)[-1] == "A" else "A") + "\n", None),  # another key, or not 32
        ("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", "holds 3 lines"),
    ],
)
def test_a_file_that_is_not_one_key_is_refused_in_a_sentence(text: str, reason: str | None) -> None:
    if reason is None:
        # The last character carries 2 bits past the 32 bytes: only the ones Lindung writes are accepted.
        try:
            key = parse_key(text)
        except KeyFileError as exc:
            assert "not 32 bytes written as Lindung writes them" in str(exc)
        else:
            assert key != KEY
        return
    with pytest.raises(KeyFileError, match=reason) as raised:
        parse_key(text)
    assert "lindung backup-key" in str(raised.value)


def test_comments_and_blank_lines_around_the_key_are_allowed() -> None:
    assert parse_key(f"\n# made today\n\n  {key_line(KEY)}  \n# kept in the safe\n") == KEY
    assert parse_key(key_file_text(KEY)) == KEY


def test_a_key_readable_by_every_user_or_missing_or_a_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "backup.key"
    with pytest.raises(KeyFileError, match=r"does not exist \(make one with `lindung backup-key"):
        read_key_file(path)
    write_key_file(path, KEY)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match=r"every user of this machine \(mode 0644\).*chmod 0640"):
        read_key_file(path)
    path.chmod(0o640)
    assert read_key_file(path) == KEY
    with pytest.raises(KeyFileError, match="is not a file"):
        read_key_file(tmp_path)


def test_the_setting_is_a_checked_absolute_path_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINDUNG_BACKUP_KEY", raising=False)
    assert env_backup_key("LINDUNG_BACKUP_KEY", "") is None
    monkeypatch.setenv("LINDUNG_BACKUP_KEY", "  ")
    assert env_backup_key("LINDUNG_BACKUP_KEY", "") is None
    monkeypatch.setenv("LINDUNG_BACKUP_KEY", "backup.key")
    with pytest.raises(ImproperlyConfigured, match="LINDUNG_BACKUP_KEY must be the absolute path"):
        env_backup_key("LINDUNG_BACKUP_KEY", "")
    path = tmp_path / "backup.key"
    monkeypatch.setenv("LINDUNG_BACKUP_KEY", str(path))
    with pytest.raises(ImproperlyConfigured, match=f"LINDUNG_BACKUP_KEY: {path} does not exist"):
        env_backup_key("LINDUNG_BACKUP_KEY", "")
    path.write_text("not a key\n")
    path.chmod(0o600)
    with pytest.raises(ImproperlyConfigured, match=r"LINDUNG_BACKUP_KEY: .* is not a Lindung backup key"):
        env_backup_key("LINDUNG_BACKUP_KEY", "")
    path.unlink()
    write_key_file(path, KEY)
    assert env_backup_key("LINDUNG_BACKUP_KEY", "") == path
    # The settings module reads it so: the path, never the key.
    assert runpy.run_path(lindung.settings.__file__)["LINDUNG_BACKUP_KEY"] == path


def test_lindung_backup_key_writes_a_new_key_even_while_the_setting_names_it(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "backup.key"
    path.parent.mkdir()
    # The setting already names the file to be made: every other command would stop at start-up.
    env = {"LINDUNG_BACKUP_KEY": str(path), "LINDUNG_DATA_DIR": str(tmp_path / "data")}
    assert "LINDUNG_BACKUP_KEY" in run_lindung("check", env={**env, "LINDUNG_DATA_DIR": str(tmp_path / "check")}).stderr
    done = run_lindung("backup-key", "--out", str(path), env=env)
    assert done.returncode == 0, done.stderr
    key = read_key_file(path)
    assert f"key id {key_id(key)}" in done.stdout and "away from the backups" in done.stdout
    assert path.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "data").exists()  # no settings loaded: no data folder made
    again = run_lindung("backup-key", "--out", str(path), env=env)
    assert again.returncode == 1 and "exists" in again.stderr
    assert read_key_file(path) == key
    printed = run_lindung("backup-key")
    assert printed.returncode == 0
    assert parse_key(printed.stdout) != key
