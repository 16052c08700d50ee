from django.urls import path

from lindung.pdp import holds_views, notice_views, records_views, views

app_name = "pdp"

urlpatterns = [
    path("retensi/", views.retention_report_view, name="retention"),
    path("pembatasan/<int:worker_id>/cabut/", views.restriction_lift_view, name="restriction_lift"),
    path("pemberitahuan/", notice_views.notice_view, name="notice"),
    path("pemberitahuan/versi/", notice_views.notice_versions_view, name="notice_versions"),
    path("pemberitahuan/versi/<int:version>/", notice_views.notice_view, name="notice_version"),
    path("catatan-pemrosesan/", records_views.processing_records_view, name="processing_records"),
    path("catatan-pemrosesan/pdf/", records_views.processing_records_pdf_view, name="processing_records_pdf"),
    path("penahanan/", holds_views.legal_holds_view, name="holds"),
    path("penahanan/<int:legal_hold_id>/cabut/", holds_views.legal_hold_lift_view, name="hold_lift"),
]
