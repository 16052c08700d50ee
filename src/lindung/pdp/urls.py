from django.urls import path

from lindung.pdp import request_views, views

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
]
