from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lindung.accounts import views as account_views
from lindung.home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("masuk/", account_views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("akun/", include("lindung.accounts.urls")),
    path("pekerja/", include("lindung.workers.urls")),
    path("kepesertaan/", include("lindung.enrolments.urls")),
    path("impor/", include("lindung.imports.urls")),
    path("iuran/", include("lindung.contributions.urls")),
    path("anggaran/", include("lindung.contributions.budget_urls")),
    path("klaim/", include("lindung.claims.urls")),
    path("audit/", include("lindung.audit.urls")),
    path("dasbor/", include("lindung.dashboard.urls")),
    path("laporan/", include("lindung.reports.urls")),
    path("", include("lindung.public.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
