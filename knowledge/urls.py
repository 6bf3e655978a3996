"""The knowledge base, its use at work, the improvement loop and the alerts and reports."""

from knowledge.views import alerts, articles, loop, work

app_name = "knowledge"

urlpatterns = [
    *articles.urlpatterns,
    *work.urlpatterns,
    *loop.urlpatterns,
    *alerts.urlpatterns,
]
