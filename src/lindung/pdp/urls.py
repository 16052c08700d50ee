from django.urls import path

from lindung.pdp import views

app_name = "pdp"

urlpatterns = [
    path("retensi/", views.retention_report_view, name="retention"),
]
