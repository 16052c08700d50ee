from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext, ngettext

from lindung.accounts.models import User
from lindung.accounts.services import (
    LoginBlock,
    account_login_block,
    account_login_failure_record,
    account_login_record,
    account_password_change,
    client_address,
)


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, refusing attempts while this username from this address, the address, or the
    username is held (see ``lindung.accounts.services``).

    The block is checked before the password, and its message is the same whether or not the
    username exists, so it tells an attacker nothing about the accounts.
    """

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()  # a missing field has its own error; nothing was tried
        ip = client_address(self.request) if self.request is not None else None
        block = account_login_block(username=username, ip=ip)
        if block is not None:
            raise _refusal(block)
        try:
            return super().clean()
        except forms.ValidationError:
            account_login_failure_record(username=username, ip=ip)
            raise


class ThrottledAdminLoginForm(ThrottledLoginForm, AdminAuthenticationForm):
    """The admin's login (staff only) under the same throttle, so that /admin/login/ is no way around it.

    The admin's login view cannot be given our ``form_valid``; a form that passes ``clean`` is logged
    in straight after, so the login is recorded here.
    """

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        if isinstance(user, User):
            account_login_record(user=user, ip=client_address(self.request) if self.request is not None else None)
        return cleaned


def _refusal(block: LoginBlock) -> forms.ValidationError:
    if block.locked:
        return forms.ValidationError(
            gettext(
                "Logins for this username are locked after too many failed logins. "
                "Please contact your administrator to unlock them."
            ),
            code="locked",
        )
    return forms.ValidationError(
        ngettext(
            "Too many failed logins. Please wait %(minutes)d minute before trying again.",
            "Too many failed logins. Please wait %(minutes)d minutes before trying again.",
            block.minutes,
        ),
        code="throttled",
        params={"minutes": block.minutes},
    )


class AuditedAdminPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change my password" page, writing through the service so that the change is audited."""

    def save(self, commit: bool = True) -> User:
        assert isinstance(self.user, User)
        account_password_change(user=self.user, new_password=self.cleaned_data["new_password1"])
        return self.user
