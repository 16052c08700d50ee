from django.urls import path

from lindung.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sandi/", views.PasswordChangeView.as_view(), name="password_change"),
    path("sandi/selesai/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
