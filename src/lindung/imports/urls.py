from django.urls import path

from lindung.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_upload_view, name="upload"),
    path("templat.xlsx", views.import_template_view, name="template"),
    path("<int:pk>/", views.import_detail_view, name="detail"),
    path("<int:pk>/kesalahan.xlsx", views.import_errors_view, name="errors"),
]
