"""Audit logouts wherever they happen (``/keluar/``, the admin, a session that expired): Django's ``logout`` sends
the signal. Start a session's clocks at every login (``lindung.accounts.middleware``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lindung.accounts.middleware import LOGOUT_REASON, session_signed_in
from lindung.accounts.models import User
from lindung.accounts.services import account_logout_record, client_address


def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # A visitor who was not signed in has nobody to record.
    if isinstance(user, User):
        account_logout_record(
            user=user,
            ip=client_address(request) if request is not None else None,
            reason=str(getattr(request, LOGOUT_REASON, "")),
        )


def start_session_clocks(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_signed_in(request)
