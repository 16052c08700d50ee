from django.urls import path

from lindung.administration import views

app_name = "administration"

urlpatterns = [
    path("", views.index, name="index"),
    path("pengguna/", views.user_list, name="users"),
    path("pengguna/baru/", views.user_create_view, name="user_create"),
    path("pengguna/<int:user_id>/", views.user_edit, name="user"),
    path("pengguna/<int:user_id>/aktif/", views.user_active_view, name="user_active"),
    path("pengguna/<int:user_id>/sandi/", views.user_password_view, name="user_password"),
    path("pengguna/<int:user_id>/buka-kunci/", views.user_unlock_view, name="user_unlock"),
    path("klien-api/", views.api_client_list, name="api_clients"),
    path("klien-api/baru/", views.api_client_create_view, name="api_client_create"),
    path("klien-api/<int:apiclient_id>/cabut/", views.api_client_revoke_view, name="api_client_revoke"),
    path("program/", views.programme_list, name="programmes"),
    path("program/baru/", views.programme_create_view, name="programme_create"),
    path("program/<int:programme_id>/", views.programme_edit, name="programme"),
    path("program/<int:programme_id>/kuota/", views.quota_set_view, name="quota_set"),
    path("kuota/<int:regencyquota_id>/hapus/", views.quota_remove_view, name="quota_remove"),
    path("sumber-dana/", views.funder_list, name="funders"),
    path("kantor-bpjs/", views.office_list, name="offices"),
    path("kantor-bpjs/<int:bpjsoffice_id>/", views.office_edit, name="office"),
]
