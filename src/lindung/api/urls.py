from django.urls import path

from lindung.api import views
from lindung.api.app import api

urlpatterns = [
    # The readable page at the API's root (before Django Ninja's own root, which would be a 404) and at docs.
    path("", views.reference, name="api_root"),
    path("docs", views.reference, name="api_reference"),
    path("", api.urls),
]
