from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from lindung.accounts.forms import ThrottledAdminLoginForm
from lindung.accounts.models import User
from lindung.admin_mixins import AuditedAdminMixin


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "region", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    raw_id_fields = ["region"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Role and region"), {"fields": ("role", "region")}))


# Django's own registration of groups, with the shared input checks and the audit.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, BaseGroupAdmin):
    pass


# The admin's own login page would otherwise be a way around the login throttle.
admin.site.login_form = ThrottledAdminLoginForm
