from django.urls import path

app_name = "enrolments"

urlpatterns: list = []
