from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """Problem → cause → solution articles and the product-improvement loop (issue 8)."""

    name = "knowledge"
    verbose_name = _("Knowledge")
