"""Reads about accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from lindung.accounts.models import LoginLock


def login_locks() -> QuerySet[LoginLock]:
    """The usernames whose logins are locked, oldest lock first (usernames that do not exist included)."""
    return LoginLock.objects.order_by("locked_at", "username")
