from django.urls import path

from lindung.pdp import breach_views, holds_views, notice_views, records_views, request_views, views

app_name = "pdp"

urlpatterns = [
    path("retensi/", views.retention_report_view, name="retention"),
    # The requests of the person (``request_views``).
    path("permintaan/", request_views.request_list_view, name="requests"),
    path("permintaan/baru/", request_views.request_register_view, name="request_register"),
    path("permintaan/<int:pk>/", request_views.request_detail_view, name="request"),
    path("permintaan/<int:pk>/akses/<str:fmt>/", request_views.request_access_download_view, name="request_access"),
    path("permintaan/<int:pk>/serahkan/", request_views.request_give_view, name="request_give"),
    path("permintaan/<int:pk>/koreksi/", request_views.request_correct_view, name="request_correct"),
    path("permintaan/<int:pk>/batasi/", request_views.request_restrict_view, name="request_restrict"),
    path("permintaan/<int:pk>/hapus/", request_views.request_delete_view, name="request_delete"),
    path("permintaan/<int:pk>/keberatan/", request_views.request_objection_view, name="request_objection"),
    path("permintaan/<int:pk>/tolak/", request_views.request_refuse_view, name="request_refuse"),
    path("pembatasan/<int:worker_id>/cabut/", views.restriction_lift_view, name="restriction_lift"),
    path("pemberitahuan/", notice_views.notice_view, name="notice"),
    path("pemberitahuan/versi/", notice_views.notice_versions_view, name="notice_versions"),
    path("pemberitahuan/versi/<int:version>/", notice_views.notice_view, name="notice_version"),
    path("catatan-pemrosesan/", records_views.processing_records_view, name="processing_records"),
    path("catatan-pemrosesan/pdf/", records_views.processing_records_pdf_view, name="processing_records_pdf"),
    path("penahanan/", holds_views.legal_holds_view, name="holds"),
    path("penahanan/<int:legal_hold_id>/cabut/", holds_views.legal_hold_lift_view, name="hold_lift"),
    path("insiden/", breach_views.breach_list_view, name="breaches"),
    path("insiden/baru/", breach_views.breach_create_view, name="breach_create"),
    path("insiden/<int:breach_id>/", breach_views.breach_detail_view, name="breach"),
    path("insiden/<int:breach_id>/terdampak/", breach_views.breach_find_view, name="breach_find"),
    path("insiden/<int:breach_id>/surat/", breach_views.breach_letters_view, name="breach_letters"),
    path("insiden/<int:breach_id>/surat/desa/", breach_views.breach_village_download_view, name="breach_village"),
    path("insiden/<int:breach_id>/surat/orang/", breach_views.breach_person_download_view, name="breach_person"),
    path("insiden/<int:breach_id>/laporan/", breach_views.breach_report_view, name="breach_report"),
    path("insiden/<int:breach_id>/dilaporkan/", breach_views.breach_notified_view, name="breach_notified"),
    path("insiden/<int:breach_id>/tutup/", breach_views.breach_close_view, name="breach_close"),
]
