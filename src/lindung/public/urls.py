from django.urls import path

from lindung.public import views

app_name = "public"

urlpatterns = [
    path("cek-status/", views.coverage_check_view, name="check"),
]
