from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """Turns the four channels (hotline, website, WeChat Work, store) into the standard ticket."""

    name = "intake"
    verbose_name = _("Intake")
