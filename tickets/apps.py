from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    """The ticket core: customers, products, tickets, their state machine and audit trail."""

    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tickets.selectors.core import permission_ids_forget

        # The API's permission check keeps permission ids; migrate and a test's flush may
        # make the rows again under ids once used by others.
        post_migrate.connect(permission_ids_forget, dispatch_uid="permission_ids_forget")
