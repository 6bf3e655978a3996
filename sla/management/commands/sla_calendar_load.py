from django.core.management.base import BaseCommand

from sla.config_services import calendar_load_from_package


class Command(BaseCommand):
    help = (
        "Load holidays and make-up days from the installed chinese-calendar package "
        "(rerun after upgrading it); days corrected in admin are kept."
    )

    def handle(self, *args, **options):
        load = calendar_load_from_package()
        self.stdout.write(
            f"calendar: {load.created} days added, {load.updated} updated, "
            f"{load.kept_admin} kept as corrected in admin"
        )
