from django.urls import path

from lindung.civil_registry import views

app_name = "civil_registry"

urlpatterns = [
    path("", views.notice_list_view, name="list"),
    path("<int:pk>/", views.notice_detail_view, name="detail"),
    path("<int:pk>/konfirmasi/", views.notice_confirm_view, name="confirm"),
    path("<int:pk>/abaikan/", views.notice_dismiss_view, name="dismiss"),
]
