from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
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
