"""The roles (auth groups created by migrations 0003 and 0013) and their names on screen."""

from django.utils.translation import gettext_lazy as _

ROLE_LABELS = {
    "agent": _("Agent"),
    "engineer": _("After-sales engineer"),
    "team_lead": _("Team lead"),
    "manager": _("Manager"),
    "store_staff": _("Store staff"),
    "product_manager": _("Product manager"),
    "warehouse": _("Warehouse"),
    # Knowledge's improvement loop: a plan is adopted when each of these three approves.
    "product_director": _("Product director"),
    "rnd_lead": _("R&D lead"),
    "quality_lead": _("Quality lead"),
    "admin": _("Administrator"),
}
