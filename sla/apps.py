from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    """Tier deadlines on the working-day calendar, enforced by Celery beat."""

    name = "sla"
    verbose_name = _("SLA")
