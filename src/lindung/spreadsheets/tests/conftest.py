from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lindung.spreadsheets.tests.hostile import BY_NAME

HostileFile = Callable[[str], Path]


@pytest.fixture(scope="session")
def hostile_file(tmp_path_factory: pytest.TempPathFactory) -> HostileFile:
    """The corpus file named ``name``, built once per test session (some take a second or two to write)."""
    folder = tmp_path_factory.mktemp("hostile")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            target = folder / name.replace(" ", "-").replace(",", "")
            target.mkdir()
            built[name] = BY_NAME[name].build(target)
        return built[name]

    return get
