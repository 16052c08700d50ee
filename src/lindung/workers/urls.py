from django.urls import path

from lindung.workers import views

app_name = "workers"

urlpatterns = [
    path("daftar/", views.worker_register_view, name="register"),
    path("wilayah/", views.region_children_view, name="regions"),
    path("<int:pk>/", views.worker_detail_view, name="detail"),
    path("<int:pk>/ubah/", views.worker_edit_view, name="edit"),
    path("<int:pk>/nik/", views.worker_nik_view_view, name="nik"),
]
