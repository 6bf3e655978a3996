import importlib

from django.db import migrations

# Engineers do on-site visits: their day's list is their start page on the phone.
ROLE_PERMISSIONS_ADDED = {"engineer": ["tickets.do_visits"]}


def grant(apps, schema_editor):
    roles = importlib.import_module("tickets.migrations.0013_dispatch_roles_and_macros")
    roles.grant_permissions(apps, ROLE_PERMISSIONS_ADDED)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0014_ticket_do_visits_permission"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
