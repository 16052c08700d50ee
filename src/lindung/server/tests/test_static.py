"""Static files in production: the hashed, compressed storage only where ``lindung serve`` / ``web`` collected
them first, and a collection only when the files changed (``lindung.server.static``).

That the served pages name the hashed files and that the compressed copies are sent is seen for real, through
gunicorn, in ``test_serve_browser``.
"""

from __future__ import annotations

import re
import runpy
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError

import lindung.settings
from lindung.server import static


def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, manifest: str | None) -> dict[str, Any]:
    monkeypatch.setenv("LINDUNG_DATA_DIR", str(tmp_path))
    if manifest is None:
        monkeypatch.delenv("LINDUNG_STATIC_MANIFEST", raising=False)
    else:
        monkeypatch.setenv("LINDUNG_STATIC_MANIFEST", manifest)
    return runpy.run_path(lindung.settings.__file__)


def test_the_hashed_compressed_storage_is_used_only_where_the_files_were_collected(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served = _settings(monkeypatch, tmp_path, "true")
    assert served["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert served["WHITENOISE_USE_FINDERS"] is False  # only the collected files, with their compressed copies

    # Tests, runserver and the commands: straight from the app folders, no collectstatic needed.
    plain = _settings(monkeypatch, tmp_path, None)
    assert plain["STORAGES"]["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert plain["WHITENOISE_USE_FINDERS"] is True


def test_the_processes_serve_and_web_start_are_told_to_use_the_manifest() -> None:
    assert static.manifest_environment()["LINDUNG_STATIC_MANIFEST"] == "true"


class _Collectstatic:
    """Stands for the ``collectstatic`` process: records its calls, writes the manifest, or fails."""

    def __init__(self, root: Path, *, fail: bool = False) -> None:
        self.root, self.fail = root, fail
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    def __call__(self, argv: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append((argv, options["env"]))
        if self.fail:
            return subprocess.CompletedProcess(argv, 1, "", "Missing file: lindung/gone.css")
        (self.root / static.MANIFEST).write_text("{}")
        return subprocess.CompletedProcess(argv, 0, "", "")


def test_the_static_files_are_collected_once_then_again_only_when_they_changed(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    collectstatic = _Collectstatic(settings.STATIC_ROOT)
    monkeypatch.setattr(static.subprocess, "run", collectstatic)

    assert static.static_collect() is True
    argv, env = collectstatic.calls[0]
    assert argv[-4:] == ["collectstatic", "--noinput", "--verbosity", "0"]
    assert env["LINDUNG_STATIC_MANIFEST"] == "true"  # collected by the storage the pages will read
    assert static.static_collect() is False  # the same files: the next start does not wait for it
    assert len(collectstatic.calls) == 1

    monkeypatch.setattr(static, "sources_digest", lambda: "another version of Lindung")
    assert static.static_collect() is True
    (settings.STATIC_ROOT / static.MANIFEST).unlink()  # the folder emptied (a restore without it)
    assert static.static_collect() is True
    assert len(collectstatic.calls) == 3


def test_a_failed_collection_stops_the_start_with_collectstatics_message_and_is_tried_again(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    monkeypatch.setattr(static.subprocess, "run", _Collectstatic(settings.STATIC_ROOT, fail=True))
    with pytest.raises(CommandError, match=re.escape("Missing file: lindung/gone.css")):
        static.static_collect()
    collectstatic = _Collectstatic(settings.STATIC_ROOT)
    monkeypatch.setattr(static.subprocess, "run", collectstatic)
    assert static.static_collect() is True


def test_the_digest_follows_the_contents_of_the_static_files(settings: Any, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "site.css").write_text("body { color: black }")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, extra]
    before = static.sources_digest()
    assert static.sources_digest() == before
    (extra / "site.css").write_text("body { color: navy }")
    assert static.sources_digest() != before
