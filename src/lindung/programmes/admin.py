from django.contrib import admin

from lindung.admin_mixins import AuditedAdminMixin, CheckedKeysMixin
from lindung.programmes.models import Programme, RegencyQuota


class RegencyQuotaInline(CheckedKeysMixin, admin.TabularInline):
    model = RegencyQuota
    raw_id_fields = ["regency"]
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "funder_type", "fiscal_year", "target_workers", "budget_ceiling"]
    list_filter = ["funder_type", "fiscal_year"]
    search_fields = ["code", "name", "funder_name"]
    raw_id_fields = ["region"]
    inlines = [RegencyQuotaInline]
