from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy

from lindung.accounts.forms import ThrottledLoginForm
from lindung.accounts.models import User
from lindung.accounts.services import account_login_record, account_password_change, client_address


class LoginView(auth_views.LoginView):
    """``/masuk/``: Django's login with throttled failures; each login is audited."""

    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        assert isinstance(user, User)
        account_login_record(user=user, ip=client_address(self.request))
        return response


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
