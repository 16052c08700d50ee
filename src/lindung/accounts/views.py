from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lindung.accounts.api_access import personal_token_create, personal_token_revoke, personal_tokens
from lindung.accounts.api_scopes import scope_sentence
from lindung.accounts.forms import (
    LoginCodeForm,
    PasswordConfirmForm,
    PersonalTokenForm,
    ThrottledLoginForm,
    TwoFactorDisableForm,
    TwoFactorSetupForm,
)
from lindung.accounts.models import ApiToken, Role, User
from lindung.accounts.permissions import signed_in_user
from lindung.accounts.services import account_login_record, account_password_change, client_address
from lindung.accounts.two_factor import (
    RECOVERY_CODES,
    SETUP_KEY,
    VERIFIED_KEY,
    SetupSecret,
    format_recovery_code,
    login_pending_clear,
    login_pending_next,
    login_pending_start,
    login_pending_user,
    recovery_codes_left,
    session_verified,
    setup_device,
    setup_key,
    totp_device,
    two_factor_disable,
    two_factor_recovery_codes_renew,
    two_factor_required,
    two_factor_setup_confirm,
)
from lindung.errors import RefusedStep
from lindung.inputs import key_fits


class LoginView(auth_views.LoginView):
    """``/masuk/``: Django's login with throttled failures; each login is audited. A user with two-factor login
    is not logged in yet: the login waits for the code at ``/masuk/kode/``."""

    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        assert isinstance(user, User)
        if totp_device(user) is not None:
            login_pending_start(self.request, user, next_url=self.get_success_url())
            return HttpResponseRedirect(reverse("login_code"))
        login_pending_clear(self.request)
        response = super().form_valid(form)
        account_login_record(user=user, ip=client_address(self.request))
        return response


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """``/masuk/kode/``: the login's second step, a code from the authenticator app or a recovery code. Wrong codes
    count as failed logins (the login throttle); after five minutes the password is asked again."""
    user = login_pending_user(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect("home")
        messages.info(request, gettext("Please log in with your username and password first."))
        return redirect("login")
    form = LoginCodeForm(request.POST or None, request=request, user=user)
    if request.method == "POST" and form.is_valid():
        next_url = login_pending_next(request) or resolve_url("home")
        login_pending_clear(request)
        login(request, user)
        session_verified(request, user)
        account_login_record(user=user, ip=client_address(request), second_factor=form.factor or "")
        if form.factor == "recovery":
            left = recovery_codes_left(user)
            messages.warning(
                request,
                ngettext(
                    "You logged in with a recovery code; %(count)d is left. Make new ones on your account page.",
                    "You logged in with a recovery code; %(count)d are left. Make new ones on your account page.",
                    left,
                )
                % {"count": left},
            )
        return HttpResponseRedirect(next_url)
    return render(request, "accounts/login_code.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    """``/akun/sandi/``: Django's form and validators (old password, strength); the write is the service's."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = form.user
        assert isinstance(user, User)
        account_password_change(user=user, new_password=form.cleaned_data["new_password1"])
        # Keep this session signed in; the account's other sessions end with the old password hash.
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@require_GET
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """``/akun/``: the user's account: who they are, their password, their two-factor login."""
    user = signed_in_user(request)
    device = totp_device(user)
    context = {
        "account": user,
        "device": device,
        "recovery_left": recovery_codes_left(user) if device else 0,
        "recovery_total": RECOVERY_CODES,
        "required": two_factor_required(user),
        "tokens": list(personal_tokens(user)[:50]) if user.role != Role.SISTEM else None,
        "now": timezone.now(),
    }
    return render(request, "accounts/account.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def personal_token_create_view(request: HttpRequest) -> HttpResponse:
    """``/akun/token/baru/``: a personal API token for the user's own scripts; shown once."""
    user = signed_in_user(request)
    form = PersonalTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = personal_token_create(
                user=user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
            )
        except RefusedStep as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.text)
        else:
            context = {
                "token": issued.token,
                "raw": issued.raw,
                "scopes": [(scope, scope_sentence(scope)) for scope in issued.token.scopes],
                "example_url": request.build_absolute_uri("/api/v1/regions/61"),
            }
            return render(request, "accounts/token_shown.html", context)
    return render(request, "accounts/token_form.html", {"form": form})


@require_POST
@login_required
def personal_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """A token of the user's own stops working; another's is absent (404)."""
    user = signed_in_user(request)
    if not key_fits(ApiToken, None, token_id) or not personal_token_revoke(user=user, token_id=token_id):
        raise Http404
    messages.success(request, gettext("The token is revoked: it no longer works."))
    return redirect("accounts:account")


def _recovery_codes_page(request: HttpRequest, codes: list[str], *, renewed: bool) -> HttpResponse:
    """The new recovery codes, shown this once (only their hashes are kept), to print or download."""
    context = {"codes": [format_recovery_code(code) for code in codes], "renewed": renewed}
    return render(request, "accounts/recovery_codes.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """``/akun/dua-langkah/pasang/``: the secret as a QR code and as text, and the first code to confirm it; then
    the recovery codes, shown once."""
    user = signed_in_user(request)
    if totp_device(user) is not None:
        messages.info(request, gettext("Two-factor login is already on."))
        return redirect("accounts:account")
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor_setup_confirm(user=user, key=setup_key(request), code=form.cleaned_data["code"])
        if codes is not None:
            request.session.pop(SETUP_KEY, None)
            session_verified(request, user)
            messages.success(request, gettext("Two-factor login is on."))
            return _recovery_codes_page(request, codes, renewed=False)
        form.add_error(
            "code",
            gettext(
                "That code is not right. Check that the phone's clock is right and type the newest code the app shows."
            ),
        )
    secret = SetupSecret.of(setup_device(user, setup_key(request)))
    context = {"form": form, "secret": secret, "required": two_factor_required(user)}
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    """``/akun/dua-langkah/kode-pemulihan/``: ten new recovery codes in place of the old ones, after the password."""
    user = signed_in_user(request)
    if totp_device(user) is None:
        return redirect("accounts:account")
    form = PasswordConfirmForm(request.POST or None, request=request, user=user)
    if request.method == "POST" and form.is_valid():
        return _recovery_codes_page(request, two_factor_recovery_codes_renew(user=user), renewed=True)
    context = {"form": form, "recovery_left": recovery_codes_left(user)}
    return render(request, "accounts/recovery_codes_renew.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def two_factor_turn_off(request: HttpRequest) -> HttpResponse:
    """``/akun/dua-langkah/matikan/``: two-factor login off, after the password and a code."""
    user = signed_in_user(request)
    if totp_device(user) is None:
        return redirect("accounts:account")
    form = TwoFactorDisableForm(request.POST or None, request=request, user=user)
    if request.method == "POST" and form.is_valid():
        two_factor_disable(user=user)
        request.session.pop(VERIFIED_KEY, None)
        messages.success(request, gettext("Two-factor login is off."))
        return redirect("accounts:account")
    return render(request, "accounts/two_factor_disable.html", {"form": form, "required": two_factor_required(user)})
