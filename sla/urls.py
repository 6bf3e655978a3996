from django.urls import path

from sla import views

app_name = "sla"

urlpatterns = [
    path("", views.sla_dashboard, name="dashboard"),
    path("export.xlsx", views.sla_export, name="export"),
]
