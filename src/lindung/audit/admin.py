from django.contrib import admin

from lindung.admin_mixins import ReadOnlyAdminMixin
from lindung.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log is append-only: nobody edits or deletes it through the application."""

    list_display = ["at", "actor_username", "action", "object_type", "object_id", "region_code"]
    list_filter = ["action"]
    search_fields = ["actor_username", "action", "object_id"]
    date_hierarchy = "at"
