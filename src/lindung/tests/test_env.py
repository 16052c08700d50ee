from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from lindung.env import env_bool, env_int, env_list, env_networks, env_token


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


def test_networks_are_addresses_or_cidr_networks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LINDUNG_NETS", "127.0.0.1, ::1,10.20.0.0/16")
    assert [str(n) for n in env_networks("LINDUNG_NETS", [])] == ["127.0.0.1/32", "::1/128", "10.20.0.0/16"]
    monkeypatch.delenv("LINDUNG_NETS")
    assert [str(n) for n in env_networks("LINDUNG_NETS", ["::1"])] == ["::1/128"]


@pytest.mark.parametrize("raw", ["localhost", "10.0.0.300", "10.20.0.5/16", "fe80::1%eth0/64x"])
def test_a_network_that_is_not_one_fails_loudly(raw: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LINDUNG_NETS", raw)
    with pytest.raises(ImproperlyConfigured, match="LINDUNG_NETS must list IP addresses or networks"):
        env_networks("LINDUNG_NETS", [])


def test_a_token_is_empty_or_long_and_plain_and_never_repeated_in_the_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LINDUNG_TOKEN", raising=False)
    assert env_token("LINDUNG_TOKEN", min_length=32) == ""
    good = "Zq3-x_Y.9~+/=" * 3
    monkeypatch.setenv("LINDUNG_TOKEN", f" {good} ")
    assert env_token("LINDUNG_TOKEN", min_length=32) == good
    for bad in ("s3cret-but-short", "long enough but with spaces in the middle", "é" * 40):
        monkeypatch.setenv("LINDUNG_TOKEN", bad)
        with pytest.raises(ImproperlyConfigured, match="LINDUNG_TOKEN must be empty or at least 32") as refused:
            env_token("LINDUNG_TOKEN", min_length=32)
        assert bad not in str(refused.value)
