"""Typed readers for settings that come from environment variables.

Each reader fails loudly (ImproperlyConfigured) on a value it cannot parse, instead of guessing:
a labour office that mistypes ``LINDUNG_DEBUG=flase`` must learn it at start-up, not in production.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            bounds = f"at least {minimum}"
        elif minimum is None:
            bounds = f"at most {maximum}"
        else:
            bounds = f"between {minimum} and {maximum}"
        raise ImproperlyConfigured(f"{name} must be {bounds}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name) or default).expanduser().resolve()


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    """One of ``choices`` (compared without regard to case, returned as listed)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    by_key = {choice.casefold(): choice for choice in choices}
    value = by_key.get(raw.strip().casefold())
    if value is None:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(by_key.values())}; got {raw!r}")
    return value


def env_time_zone(name: str, default: str) -> str:
    """A time zone of the IANA database, e.g. Asia/Pontianak (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)."""
    value = os.environ.get(name) or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a time zone such as Asia/Pontianak; got {value!r}") from None
    return value
