from django.urls import path

from lindung.contributions import budget_views

app_name = "budget"

urlpatterns = [
    path("", budget_views.budget_overview_view, name="overview"),
]
