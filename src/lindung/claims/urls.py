from django.urls import path

from lindung.claims import views

app_name = "claims"

urlpatterns = [
    path("", views.claim_list_view, name="list"),
    path("baru/", views.claim_register_view, name="register"),
    path("manfaat/", views.benefits_view, name="benefits"),
    path("<int:pk>/", views.claim_detail_view, name="detail"),
    path("<int:pk>/berkas/", views.claim_documents_view, name="documents"),
    path("<int:pk>/ahli-waris/", views.claim_heir_view, name="heir"),
    path("<int:pk>/lengkap/", views.claim_step_view, {"step": "complete"}, name="complete"),
    path("<int:pk>/ajukan/", views.claim_step_view, {"step": "submit"}, name="submit"),
    path("<int:pk>/dibayar/", views.claim_step_view, {"step": "pay"}, name="pay"),
    path("<int:pk>/tolak/", views.claim_step_view, {"step": "reject"}, name="reject"),
]
