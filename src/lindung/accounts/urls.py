from django.urls import path

from lindung.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("sandi/", views.PasswordChangeView.as_view(), name="password_change"),
    path("sandi/selesai/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("token/baru/", views.personal_token_create_view, name="token_create"),
    path("token/<int:token_id>/cabut/", views.personal_token_revoke_view, name="token_revoke"),
    path("dua-langkah/pasang/", views.two_factor_setup, name="two_factor_setup"),
    path("dua-langkah/kode-pemulihan/", views.recovery_codes_renew, name="recovery_codes_renew"),
    path("dua-langkah/matikan/", views.two_factor_turn_off, name="two_factor_turn_off"),
]
