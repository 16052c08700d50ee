from django.urls import path

from lindung.contributions import views

app_name = "contributions"

urlpatterns = [
    path("", views.invoice_list_view, name="list"),
    path("tagih/", views.invoice_build_view, name="build"),
    path("<int:pk>/", views.invoice_detail_view, name="detail"),
    path("<int:pk>/susun-ulang/", views.invoice_rebuild_view, name="rebuild"),
    path("<int:pk>/terbitkan/", views.invoice_issue_view, name="issue"),
    path("pembayaran/", views.payment_record_view, name="payments"),
    path("pembayaran/<int:pk>/batal/", views.payment_reverse_view, name="reverse"),
]

urlpatterns += [
    path("berisiko/", views.at_risk_view, name="at_risk"),
]

from lindung.contributions import document_views  # noqa: E402 - the document downloads, added after the pages

urlpatterns += [
    path("<int:pk>/unduh.<str:fmt>", document_views.invoice_download_view, name="download"),
]
