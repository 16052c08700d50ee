"""How the writes under way came (``AuditEntry.channel``): set by the API for the length of a request, so that
every entry a service writes in it names the client or token, however the service writes it (one ``create``,
``bulk_create``); empty from the web, the command line and the worker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_channel: ContextVar[str] = ContextVar("audit_channel", default="")


@contextmanager
def audit_channel(channel: str) -> Iterator[None]:
    """Every entry written inside the block names ``channel``."""
    reset = _channel.set(channel[:32])
    try:
        yield
    finally:
        _channel.reset(reset)


def audit_channel_set(channel: str) -> None:
    """For a step inside ``audit_channel("")`` that learns the channel later (the API's authentication, inside
    the request's block: ``lindung.api.middleware.audit_channel_per_request``); elsewhere use ``audit_channel``."""
    _channel.set(channel[:32])


def current_audit_channel() -> str:
    return _channel.get()
