from django.urls import path

from feedback import kpi_views, views

app_name = "feedback"
urlpatterns = [
    # The KPI dashboard and its Excel export (feedback/kpi_views.py).
    path("kpis/", kpi_views.kpi_dashboard, name="kpis"),
    path("kpis/export.xlsx", kpi_views.kpi_export, name="kpis_export"),
    # Agents' satisfaction callbacks (回访): the queue and one call's form.
    path("callbacks/", views.callbacks_list, name="callbacks"),
    path("callbacks/<int:pk>/", views.callback_task, name="callback"),
    # Delivery reports from the SMS providers (configure these URLs, with ?token=, there).
    path(
        "receipts/aliyun/",
        views.receipts_receive,
        {"backend": "aliyun"},
        name="receipts_aliyun",
    ),
    path(
        "receipts/tencent/",
        views.receipts_receive,
        {"backend": "tencent"},
        name="receipts_tencent",
    ),
]
