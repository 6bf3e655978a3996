from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Resolution notices, the satisfaction callback and second handling (issue 7)."""

    name = "feedback"
    verbose_name = _("Feedback")
