"""The session's limits and two-factor login, checked once for every request (after authentication and messages).

``session_expiry``: a signed-in session ends ``LINDUNG_SESSION_IDLE_MINUTES`` after its last request, and
``LINDUNG_SESSION_SECONDS`` after its login whatever the activity; the user lands on the login page with a message
saying why, and the logout is audited with the reason.

``two_factor``: a session of a user who has an authenticator but did not pass the second step (signed in before the
authenticator was set up elsewhere) ends; with ``LINDUNG_REQUIRE_2FA`` a user who sees a whole province and has no
authenticator is sent to set one up, and may open nothing else but that page, the language switch and the logout.
Then a user whose password an administrator set (``User.password_temporary``) is sent to choose their own, likewise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from lindung.accounts.models import User
from lindung.accounts.two_factor import VERIFIED_KEY, totp_device_id, two_factor_required

# The session's times, seconds since the epoch: its login, and its last request (written at most once a minute, so
# that a session is not saved on every request).
SIGNED_IN_AT = "lindung_signed_in_at"
LAST_SEEN = "lindung_last_seen"
LAST_SEEN_EVERY = 60
# Read by the logout receiver, for the audit entry of a logout the user did not ask for.
LOGOUT_REASON = "lindung_logout_reason"

Middleware = Callable[[HttpRequest], HttpResponse]


def session_signed_in(request: HttpRequest) -> None:
    """Start the session's clocks at login (``user_logged_in``)."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


def _end_session(request: HttpRequest, reason: str, message: str) -> HttpResponse:
    """Log out (audited, with ``reason``) and send the user to the login page with ``message``; after logging in
    again they come back to the page they asked for, if it was a page (a GET)."""
    setattr(request, LOGOUT_REASON, reason)
    logout(request)
    messages.warning(request, message)
    if request.method == "GET":
        return redirect_to_login(request.get_full_path())
    return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))


def session_expiry(get_response: Middleware) -> Middleware:
    def middleware(request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            signed_in = _seconds(session.get(SIGNED_IN_AT))
            last_seen = _seconds(session.get(LAST_SEEN))
            idle = settings.LINDUNG_SESSION_IDLE_MINUTES
            if signed_in is not None and now - signed_in > settings.SESSION_COOKIE_AGE:
                hours = max(1, round(settings.SESSION_COOKIE_AGE / 3600))
                return _end_session(
                    request,
                    "session_age",
                    ngettext(
                        "Your session ended: you logged in more than %(hours)d hour ago. Please log in again.",
                        "Your session ended: you logged in more than %(hours)d hours ago. Please log in again.",
                        hours,
                    )
                    % {"hours": hours},
                )
            if last_seen is not None and now - last_seen > idle * 60:
                return _end_session(
                    request,
                    "idle",
                    ngettext(
                        "Your session ended after %(minutes)d minute without activity. Please log in again.",
                        "Your session ended after %(minutes)d minutes without activity. Please log in again.",
                        idle,
                    )
                    % {"minutes": idle},
                )
            if signed_in is None:  # a session from before these clocks: they start now
                session[SIGNED_IN_AT] = now
            if last_seen is None or now - last_seen >= LAST_SEEN_EVERY:
                session[LAST_SEEN] = now
        return get_response(request)

    return middleware


def _seconds(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@cache
def _password_paths() -> frozenset[str]:
    """The pages a user with a temporary password may open before they have chosen their own."""
    names = ["accounts:password_change", "accounts:two_factor_setup", "logout", "set_language", "healthz", "readyz"]
    return frozenset(reverse(name) for name in names)


@cache
def _setup_paths() -> frozenset[str]:
    """The pages a user who must set up two-factor login may open before they have."""
    names = ["accounts:two_factor_setup", "logout", "set_language", "login", "login_code", "healthz", "readyz"]
    return frozenset(reverse(name) for name in names)


def two_factor(get_response: Middleware) -> Middleware:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return get_response(request)
        assert isinstance(user, User)
        device_id = totp_device_id(user)
        if device_id is not None and request.session.get(VERIFIED_KEY) != device_id:
            return _end_session(
                request,
                "two_factor_missing",
                gettext("Your account now uses two-factor login. Please log in again with a code from your app."),
            )
        if device_id is None and request.path_info not in _setup_paths() and two_factor_required(user):
            # The setup page says why the user is there.
            return HttpResponseRedirect(reverse("accounts:two_factor_setup"))
        if user.password_temporary and request.path_info not in _password_paths():
            # The password page says why the user is there.
            return HttpResponseRedirect(reverse("accounts:password_change"))
        return get_response(request)

    return middleware
