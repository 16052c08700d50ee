from django.contrib import admin

from lindung.admin_mixins import AuditedAdminMixin
from lindung.workers.models import OccupationCategory


@admin.register(OccupationCategory)
class OccupationCategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    search_fields = ["code", "name"]
