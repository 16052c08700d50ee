"""Audit logouts wherever they happen (``/keluar/``, the admin): Django's ``logout`` sends the signal."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lindung.accounts.models import User
from lindung.accounts.services import account_logout_record, client_address


def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # A visitor who was not signed in has nobody to record.
    if isinstance(user, User):
        account_logout_record(user=user, ip=client_address(request) if request is not None else None)
