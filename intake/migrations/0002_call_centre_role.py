from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_role(apps, schema_editor):
    """The call centre's integration user posts call events: group call_centre."""
    app_config = apps.get_app_config("intake")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="call_centre")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="intake", codename__in=["add_call", "change_call", "view_call"]
        )
    )
    admin = Group.objects.filter(name="admin").first()
    if admin:
        admin.permissions.add(*Permission.objects.filter(content_type__app_label="intake"))


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="call_centre").delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_call"), ("tickets", "0003_roles")]

    operations = [migrations.RunPython(create_role, remove_role)]
