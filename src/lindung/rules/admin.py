from django.contrib import admin

from lindung.admin_mixins import ReadOnlyAdminMixin
from lindung.rules.models import RuleValue


@admin.register(RuleValue)
class RuleValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rules change through the versioned rule file (reviewed like code), never by hand in production."""

    list_display = ["key", "effective_from", "value", "unit", "source", "confidence"]
    list_filter = ["unit", "confidence"]
    search_fields = ["key", "source"]
