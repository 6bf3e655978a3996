from datetime import time

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def office_hours_check() -> None:
    """Fail at start-up, naming the variable, rather than at the first deadline computed."""
    parsed = {}
    for name in ("SLA_OFFICE_OPENS", "SLA_OFFICE_CLOSES"):
        raw = getattr(settings, name)
        try:
            parsed[name] = time.fromisoformat(raw)
        except (TypeError, ValueError):
            raise ImproperlyConfigured(f"{name}={raw!r} is not a time of day (HH:MM).") from None
    if not parsed["SLA_OFFICE_OPENS"] < parsed["SLA_OFFICE_CLOSES"]:
        raise ImproperlyConfigured("SLA_OFFICE_OPENS must be earlier than SLA_OFFICE_CLOSES.")
    if settings.SLA_CALLBACK_WORKING_DAYS < 1:
        raise ImproperlyConfigured("SLA_CALLBACK_WORKING_DAYS must be at least 1.")


class SlaConfig(AppConfig):
    """Tier deadlines on the working-day calendar, enforced by Celery beat."""

    name = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        office_hours_check()
