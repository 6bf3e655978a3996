from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    """The ticket core: customers, products, tickets, their state machine and audit trail."""

    name = "tickets"
    verbose_name = _("Tickets")
