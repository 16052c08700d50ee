from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from lindung.accounts import views as account_views
from lindung.api.dci.views import jwks_view
from lindung.enrolments import worker_list_views
from lindung.home import views as home_views
from lindung.server import health
from lindung.server.metrics import views as metrics_views
from lindung.workers import urls as worker_urls

# The registry's pages, with its list and CSV export: those filter by enrolment too, so their views are the
# enrolment app's (the registry imports nothing above it), but they keep their place among the registry's.
worker_pages = [
    path("", worker_list_views.worker_list_view, name="list"),
    path("ekspor.csv", worker_list_views.worker_export_view, name="export"),
    *worker_urls.urlpatterns,
]

# The admin (kept for the few tables /pengaturan/ does not edit) under Lindung's name, not "Django administration".
admin.site.site_header = _("Lindung administration")
admin.site.site_title = _("Lindung administration")
admin.site.index_title = _("Tables")

# Under /api/ an address no route matches is a problem (JSON), as every other answer of the API.
handler404 = "lindung.api.views.page_not_found"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_views.metrics, name="metrics"),
    path("bantuan/istilah/", home_views.glossary, name="glossary"),
    path("masuk/", account_views.LoginView.as_view(), name="login"),
    path("masuk/kode/", account_views.login_code, name="login_code"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("akun/", include("lindung.accounts.urls")),
    path("pekerja/", include((worker_pages, worker_urls.app_name))),
    path("kepesertaan/", include("lindung.enrolments.urls")),
    path("impor/", include("lindung.imports.urls")),
    path("iuran/", include("lindung.contributions.urls")),
    path("anggaran/", include("lindung.contributions.budget_urls")),
    path("klaim/", include("lindung.claims.urls")),
    path("kematian/", include("lindung.civil_registry.urls")),
    path("audit/", include("lindung.audit.urls")),
    path("dasbor/", include("lindung.dashboard.urls")),
    path("laporan/", include("lindung.reports.urls")),
    path("pdp/", include("lindung.pdp.urls")),
    path("pengaturan/", include("lindung.administration.urls")),
    path("api/v1/", include("lindung.api.urls")),
    path(".well-known/jwks.json", jwks_view, name="jwks"),
    path("", include("lindung.public.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
