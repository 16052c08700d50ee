from django.contrib import admin

from lindung.admin_mixins import ReadOnlyAdminMixin
from lindung.regions.models import Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Region master data comes from `lindung regions load`, not from hand edits."""

    list_display = ["code", "name", "kind", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    show_full_result_count = False  # counting 91k rows on every page adds nothing
