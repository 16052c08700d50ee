from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from lindung.env import env_bool, env_int, env_list


def test_booleans_accept_the_usual_spellings(monkeypatch: pytest.MonkeyPatch):
    for raw, expected in [("1", True), ("yes", True), ("ON", True), ("0", False), ("false", False), ("", False)]:
        monkeypatch.setenv("LINDUNG_X", raw)
        assert env_bool("LINDUNG_X") is expected


def test_a_mistyped_boolean_fails_loudly(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LINDUNG_X", "flase")
    with pytest.raises(ImproperlyConfigured, match="LINDUNG_X"):
        env_bool("LINDUNG_X")


def test_a_number_that_is_not_a_number_fails_loudly(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LINDUNG_N", "8h")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("LINDUNG_N", 1)


def test_unset_values_take_their_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LINDUNG_N", raising=False)
    assert env_int("LINDUNG_N", 7) == 7
    assert env_list("LINDUNG_N", ["a"]) == ["a"]


def test_lists_are_comma_separated_and_trimmed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LINDUNG_HOSTS", " lindung.kalbarprov.go.id, 10.0.0.5 ,")
    assert env_list("LINDUNG_HOSTS", []) == ["lindung.kalbarprov.go.id", "10.0.0.5"]


def test_a_number_outside_its_bounds_fails_loudly(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LINDUNG_N", "0")
    with pytest.raises(ImproperlyConfigured, match="LINDUNG_N must be at least 1; got 0"):
        env_int("LINDUNG_N", 5, minimum=1)
    monkeypatch.setenv("LINDUNG_N", "70000")
    with pytest.raises(ImproperlyConfigured, match="between 30 and 16384"):
        env_int("LINDUNG_N", 64, minimum=30, maximum=16_384)
    monkeypatch.setenv("LINDUNG_N", "64")
    assert env_int("LINDUNG_N", 5, minimum=30, maximum=16_384) == 64
