from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from lindung.accounts.forms import AuditedAdminPasswordChangeForm
from lindung.accounts.models import LoginLock, User
from lindung.accounts.services import account_logins_unlock
from lindung.accounts.two_factor import two_factor_reset
from lindung.admin_mixins import AuditedAdminMixin


class LoginLockFilter(admin.SimpleListFilter):
    title = _("login lock")
    parameter_name = "locked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", gettext("Locked")), ("no", gettext("Not locked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Locks are kept by the case-folded username; Lower matches it for every username but a few
        # non-ASCII ones ("ß"), which the unlock action (case-folding in Python) still finds.
        locked = Exists(LoginLock.objects.filter(username=Lower(OuterRef("username"))))
        if self.value() == "yes":
            return queryset.filter(locked)
        if self.value() == "no":
            return queryset.exclude(locked)
        return queryset


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "region", "is_active"]
    list_filter = ["role", "is_active", "is_staff", LoginLockFilter]
    raw_id_fields = ["region"]
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        # Not Django's groups and permissions: Lindung decides what a user may do by their role
        # (lindung.accounts.permissions), and a second way to grant access would be decided elsewhere.
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (_("Role and region"), {"fields": ("role", "region")}),
    )
    actions = ["unlock_logins", "reset_two_factor"]

    def audit_action(self, obj: models.Model, verb: str, changes: dict[str, list[Any]]) -> str:
        # The user's password page changes nothing else: audited like a change on /akun/sandi/.
        if verb == "changed" and set(changes) == {"password"}:
            return "account.password_changed"
        return super().audit_action(obj, verb, changes)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # Django's page saves the password and logs it in two steps; one transaction keeps them together.
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    @admin.action(description=_("Unlock logins of the selected users"), permissions=["change"])
    def unlock_logins(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        unlocked = refused = 0
        for user in queryset:
            try:
                unlocked += account_logins_unlock(actor=actor, username=user.get_username())
            except PermissionDenied:
                refused += 1
        self.message_user(
            request,
            ngettext("%(count)d user unlocked.", "%(count)d users unlocked.", unlocked) % {"count": unlocked},
            messages.SUCCESS,
        )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d user is outside your region and was not unlocked.",
                    "%(count)d users are outside your region and were not unlocked.",
                    refused,
                )
                % {"count": refused},
                messages.WARNING,
            )

    @admin.action(description=_("Turn off two-factor login of the selected users"), permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """For a user who lost both their phone and their recovery codes: they log in with their password and set
        two-factor login up again (at once, where it is required). Audited per user."""
        actor = request.user
        assert isinstance(actor, User)
        reset = refused = 0
        for user in queryset:
            try:
                reset += two_factor_reset(actor=actor, user=user)
            except PermissionDenied:
                refused += 1
        self.message_user(
            request,
            ngettext(
                "Two-factor login turned off for %(count)d user.",
                "Two-factor login turned off for %(count)d users.",
                reset,
            )
            % {"count": reset},
            messages.SUCCESS,
        )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d user is outside your region or your role: nothing was changed for them.",
                    "%(count)d users are outside your region or your role: nothing was changed for them.",
                    refused,
                )
                % {"count": refused},
                messages.WARNING,
            )


def _admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin's login page sends to Lindung's (``/masuk/``): one door, with the login throttle and the second
    step of two-factor login, then back to the admin page asked for."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return HttpResponseRedirect(next_url)
        raise PermissionDenied("not staff")
    return redirect_to_login(next_url)


# Groups are not used either (see the user's fieldsets).
if admin.site.is_registered(Group):
    admin.site.unregister(Group)

# Nor django-otp's device pages: a change there would not be audited, and they would show the secrets. Two-factor
# login is set up by its user on /akun/, and turned off by an administrator with the action above.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

# The admin's own login page would otherwise be a way around the login throttle and the second step, and its
# "change my password" page a way around the audit.
admin.site.login = _admin_login  # type: ignore[method-assign]
admin.site.password_change_form = AuditedAdminPasswordChangeForm
