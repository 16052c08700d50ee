from django.urls import path

from lindung.pdp import views

app_name = "pdp"

urlpatterns = [
    path("retensi/", views.retention_report_view, name="retention"),
    path("pembatasan/<int:worker_id>/cabut/", views.restriction_lift_view, name="restriction_lift"),
]
