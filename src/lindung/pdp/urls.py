from django.urls import path

from lindung.pdp import notice_views, views

app_name = "pdp"

urlpatterns = [
    path("retensi/", views.retention_report_view, name="retention"),
    path("pemberitahuan/", notice_views.notice_view, name="notice"),
    path("pemberitahuan/versi/", notice_views.notice_versions_view, name="notice_versions"),
    path("pemberitahuan/versi/<int:version>/", notice_views.notice_view, name="notice_version"),
]
