from django.urls import path

from lindung.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list_view, name="list"),
    path("<slug:name>.<slug:fmt>", views.report_download_view, name="download"),
]
