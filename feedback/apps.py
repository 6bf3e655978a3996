from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Every message to a customer (the outbox), resolution notices, the satisfaction callback."""

    name = "feedback"
    verbose_name = _("Feedback")
