from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy, ngettext

from lindung.accounts.api_access import PERSONAL_TOKEN_MAX_DAYS
from lindung.accounts.api_scopes import scope_choices
from lindung.accounts.models import User
from lindung.accounts.services import (
    LoginBlock,
    account_login_block,
    account_login_failure_record,
    account_password_change,
    client_address,
)
from lindung.accounts.two_factor import Factor, two_factor_code_check

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, refusing attempts while this username from this address, the address, or the
    username is held (see ``lindung.accounts.services``).

    The block is checked before the password, and its message is the same whether or not the
    username exists, so it tells an attacker nothing about the accounts.
    """

    # Django's sentence puts the field's label into a sentence that names it again in Indonesian ("Masukkan nama
    # pengguna nama pengguna dan sandi"): one sentence of our own, with the glossary's words.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "Please enter a correct user name and password. Capital and small letters are told apart."
        ),
    }

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


# ---------------------------------------------------------------- two-factor login


def _code_field(label: StrOrPromise, help_text: StrOrPromise = "") -> forms.CharField:
    """A one-time code: six digits from the app or a recovery code (letters), so the phone's full keyboard."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "size": 12}
        ),
    )


class _ThrottledForUser(forms.Form):
    """A form whose secrets (a password, a code) are checked for ``user`` under the login throttle: refused while
    the user's name or the address is held, and each wrong one counted as a failed login."""

    def __init__(self, *args: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
        self.request = request
        self.user = user
        super().__init__(*args, **kwargs)

    @property
    def ip(self) -> str | None:
        return client_address(self.request)

    def _check_throttle(self) -> None:
        block = account_login_block(username=self.user.get_username(), ip=self.ip)
        if block is not None:
            raise _refusal(block)

    def _check_password(self, password: str) -> None:
        if not self.user.check_password(password):
            account_login_failure_record(username=self.user.get_username(), ip=self.ip)
            raise forms.ValidationError(gettext("That is not your password."), code="wrong_password")

    def _check_code(self, code: str) -> Factor:
        factor = two_factor_code_check(user=self.user, code=code)
        if factor is None:
            account_login_failure_record(username=self.user.get_username(), ip=self.ip, code=True)
            raise forms.ValidationError(
                gettext("That code is not right, or was used already. Type the newest code your app shows."),
                code="wrong_code",
            )
        return factor


class LoginCodeForm(_ThrottledForUser):
    """The login's second step: a code from the authenticator, or a recovery code."""

    code = _code_field(
        label=gettext_lazy("Code from your authenticator app"),
        help_text=gettext_lazy("Six digits. Lost your phone? Type one of your recovery codes instead."),
    )
    factor: Factor | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code = cleaned.get("code")
        if code:
            self._check_throttle()
            try:
                self.factor = self._check_code(code)
            except forms.ValidationError as error:
                self.add_error("code", error)
        return cleaned


class TwoFactorSetupForm(forms.Form):
    """The first code the new authenticator shows, which proves it holds the secret (checked by the service)."""

    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
    )


class PasswordConfirmForm(_ThrottledForUser):
    """The user's password again, before a change to their two-factor login."""

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password"):
            self._check_throttle()
            try:
                self._check_password(cleaned["password"])
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class TwoFactorDisableForm(PasswordConfirmForm):
    """Turning two-factor login off takes the password and a code (or a recovery code)."""

    code = _code_field(label=gettext_lazy("Code from your authenticator app, or a recovery code"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "password" in cleaned and cleaned.get("code"):  # the password was right (a wrong one is removed)
            try:
                self._check_code(cleaned["code"])
            except forms.ValidationError as error:
                self.add_error("code", error)
        return cleaned


class PersonalTokenForm(forms.Form):
    """A personal API token: its name, scopes and life (the rules are ``api_access.personal_token_create``'s)."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What it is for, such as the monthly report script."),
    )
    scopes = forms.MultipleChoiceField(label=gettext_lazy("Scopes"), widget=forms.CheckboxSelectMultiple)
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        max_value=PERSONAL_TOKEN_MAX_DAYS,
        initial=90,
        help_text=gettext_lazy("From 1 to 365 days."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = scope_choices()  # type: ignore[attr-defined]
