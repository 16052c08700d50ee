"""The static files as production serves them: collected before the web server starts (``lindung serve``,
``lindung web``).

``collectstatic`` with WhiteNoise's ``CompressedManifestStaticFilesStorage`` copies every app's static files
into ``STATIC_ROOT`` under names carrying their content's hash, writes the manifest that ``{% static %}`` reads
and a Brotli and a gzip copy of each text file. It takes seconds (it hashes and compresses everything again
each time), so it runs only when the files changed since the last collection: a digest of their contents is
kept beside ``STATIC_ROOT`` once a collection succeeded. The pages name a file by its hash only in processes
started with ``LINDUNG_STATIC_MANIFEST=true`` (``manifest_environment``).
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import time
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from lindung.server.supervisor import child_environment, python_command

logger = logging.getLogger(__name__)

MANIFEST = "staticfiles.json"  # ManifestStaticFilesStorage's manifest_name
# collectstatic's default --ignore patterns: the files it would not copy are not part of the digest either.
IGNORED = ["CVS", ".*", "*~"]


def manifest_environment() -> dict[str, str]:
    """The environment of the processes that serve pages by the collected manifest."""
    return {**child_environment(), "LINDUNG_STATIC_MANIFEST": "true"}


def static_collect() -> bool:
    """Collect the static files unless the collected ones are those of these sources; whether it collected.

    Runs ``collectstatic`` in a process of its own with ``LINDUNG_STATIC_MANIFEST=true``: this process's
    settings may use the plain storage. A failure stops the start with collectstatic's own message."""
    root = Path(settings.STATIC_ROOT)
    stamp = _stamp_path(root)
    digest = sources_digest()
    if (root / MANIFEST).is_file() and stamp.is_file() and stamp.read_text().strip() == digest:
        return False
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        python_command("-m", "lindung", "collectstatic", "--noinput", "--verbosity", "0"),
        env=manifest_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise CommandError(
            _("The static files could not be collected (collectstatic): %(output)s")
            % {"output": (done.stderr or done.stdout).strip()[-2000:]}
        )
    stamp.write_text(digest + "\n")
    logger.info("static files collected into %s in %.1f s", root, time.monotonic() - started)
    return True


def sources_digest() -> str:
    """A digest of every static file the finders list (path and contents): another version of Lindung, of
    Django's admin or of WhiteNoise gives another digest."""
    files: dict[str, Path] = {}
    for finder in get_finders():
        for path, storage in finder.list(IGNORED):
            # The first finder that lists a path is the one collectstatic copies.
            files.setdefault(path, Path(storage.path(path)))
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0")
        digest.update(hashlib.sha256(files[path].read_bytes()).digest())
    # WhiteNoise's version decides the storage's names and compressed copies.
    digest.update(metadata.version("whitenoise").encode())
    return digest.hexdigest()


def _stamp_path(root: Path) -> Path:
    """Beside STATIC_ROOT, not in it: WhiteNoise serves whatever STATIC_ROOT holds."""
    return root.with_name(f"{root.name}.sources-sha256")
