from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from lindung.accounts.forms import ThrottledAdminLoginForm
from lindung.accounts.models import LoginLock, User
from lindung.accounts.services import account_logins_unlock
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
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Role and region"), {"fields": ("role", "region")}))
    actions = ["unlock_logins"]

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


# The admin's own login page would otherwise be a way around the login throttle.
admin.site.login_form = ThrottledAdminLoginForm
