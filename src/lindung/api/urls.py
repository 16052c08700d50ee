from django.urls import path

from lindung.api import views
from lindung.api.app import api

urlpatterns = [
    path("docs", views.reference, name="api_reference"),
    path("", api.urls),
]
