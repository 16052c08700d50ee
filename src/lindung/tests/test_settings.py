"""Every ``LINDUNG_*`` setting is declared once, in ``settings.py``, with its default and its check: a value that
cannot be right stops start-up with a sentence naming the setting, instead of being guessed or failing later
(the due day was checked only when the night's job ran)."""

from __future__ import annotations

import ast
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import lindung.settings

SETTINGS = Path(lindung.settings.__file__)
READERS = ("env_int", "env_bool", "env_choice", "env_time_zone", "env_backup_key", "env_networks", "env_token")


def _declared() -> list[tuple[str, str, dict[str, int]]]:
    """(reader, variable, {minimum/maximum}) of every typed setting read in settings.py."""
    found = []
    for node in ast.walk(ast.parse(SETTINGS.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in READERS:
            name = node.args[0]
            assert isinstance(name, ast.Constant)
            bounds = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg in ("minimum", "maximum")}
            found.append((node.func.id, str(name.value), bounds))
    return found


def _bad_values(reader: str, bounds: dict[str, int]) -> list[str]:
    if reader == "env_int":
        values = ["8h", "1.5"]
        if "minimum" in bounds:
            values.append(str(bounds["minimum"] - 1))
        if "maximum" in bounds:
            values.append(str(bounds["maximum"] + 1))
        return values
    if reader == "env_bool":
        return ["flase", "2"]
    if reader == "env_time_zone":
        return ["Mars/Olympus", "WIB"]
    if reader == "env_backup_key":
        return ["/nonexistent/lindung-backup.key", "backup.key"]
    if reader == "env_networks":
        return ["localhost", "127.0.0.1,10.0.0.300", "10.20.0.5/16", "10.0.0.0/33"]
    if reader == "env_token":
        return ["too-short", "a token with spaces in it that is long enough", "x" * 31]
    return ["LOUD"]


CASES = [
    pytest.param(name, value, id=f"{name}={value}")
    for reader, name, bounds in _declared()
    for value in _bad_values(reader, bounds)
]


def test_every_typed_setting_is_a_lindung_setting_and_the_list_is_not_empty():
    names = {name for _reader, name, _bounds in _declared()}
    assert {
        "LINDUNG_CONTRIBUTION_DUE_DAY",
        "LINDUNG_IMPORT_MAX_ROWS",
        "LINDUNG_TIME_ZONE",
        "LINDUNG_BACKUP_KEY",
    } <= names
    assert all(name.startswith("LINDUNG_") for name in names)


@pytest.mark.parametrize(("name", "value"), CASES)
def test_a_bad_value_stops_the_settings_with_a_sentence_naming_it(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=name):
        runpy.run_path(str(SETTINGS))


def test_no_module_declares_a_default_of_its_own_for_a_setting():
    """A setting is read as ``settings.X``; ``getattr(settings, "X", default)`` would be a second default."""
    package = SETTINGS.parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "tests" not in path.parts and "getattr(settings," in path.read_text()
    ]
    assert offenders == []


def test_the_command_line_stops_at_once_on_a_bad_due_day():
    env = {**os.environ, "LINDUNG_CONTRIBUTION_DUE_DAY": "31"}
    done = subprocess.run(
        [sys.executable, "-m", "lindung", "check"], env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode != 0
    assert "LINDUNG_CONTRIBUTION_DUE_DAY must be between 1 and 28; got 31" in done.stderr
