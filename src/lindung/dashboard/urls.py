from django.urls import path

from lindung.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard_view, name="view"),
    path("segarkan/", views.dashboard_refresh_view, name="refresh"),
]
