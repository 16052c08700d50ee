from django.urls import path

from lindung.enrolments import verification_views, views

app_name = "enrolments"

urlpatterns = [
    path("", views.enrolment_list_view, name="list"),
    path("<int:pk>/", views.enrolment_detail_view, name="detail"),
    path("<int:pk>/verifikasi/", views.enrolment_step_view, {"step": "verify"}, name="verify"),
    path("<int:pk>/tolak/", views.enrolment_step_view, {"step": "reject"}, name="reject"),
    path("<int:pk>/aktifkan/", views.enrolment_step_view, {"step": "activate"}, name="activate"),
    path("<int:pk>/usulkan-ulang/", views.enrolment_step_view, {"step": "repropose"}, name="repropose"),
    path("<int:pk>/akhiri/", views.enrolment_step_view, {"step": "end"}, name="end"),
    path("<int:pk>/berikutnya/", verification_views.next_waiting_view, name="next_waiting"),
    path("usulkan/<int:worker_id>/", views.enrolment_propose_view, name="propose"),
    path("kirim/", views.enrolment_send_view, name="send"),
    path("verifikasi/", verification_views.verification_queue_view, name="queue"),
    path("verifikasi/langkah/", verification_views.verification_bulk_view, name="queue_bulk"),
    path("bpjs/", views.bpjs_exchange_view, name="bpjs"),
    path("bpjs/ekspor/", views.bpjs_export_view, name="bpjs_export"),
    path("bpjs/hasil/", views.bpjs_result_view, name="bpjs_result"),
]
