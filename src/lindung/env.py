"""Typed readers for settings that come from environment variables.

Each reader fails loudly (ImproperlyConfigured) on a value it cannot parse, instead of guessing:
a labour office that mistypes ``LINDUNG_DEBUG=flase`` must learn it at start-up, not in production.
"""

from __future__ import annotations

import ipaddress
import os
import re
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


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def env_networks(name: str, default: list[str]) -> list[IPNetwork]:
    """Comma-separated IP addresses and networks (``127.0.0.1,::1,10.20.0.0/16``). A network with host bits set
    (``10.20.0.5/16``) is refused: it is more likely a mistyped address than the network meant."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must list IP addresses or networks (CIDR); {exc}") from None
    return networks


_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")


def env_token(name: str, *, min_length: int) -> str:
    """A secret shared with another program (sent as ``Authorization: Bearer``), or empty for none: at least
    ``min_length`` characters, so that it cannot be guessed, of those a bearer token may hold (RFC 6750)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return ""
    if len(value) < min_length or not _TOKEN.fullmatch(value):
        raise ImproperlyConfigured(
            f"{name} must be empty or at least {min_length} letters, digits and - . _ ~ + / = "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)"
        )
    return value


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
