from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_admin(apps, schema_editor):
    """Only the admin role may change the WeChat credentials (view included)."""
    app_config = apps.get_app_config("intake")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="admin").first()
    if admin:
        admin.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="intake", content_type__model="wechatcredentials"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("intake", "0007_wechat_credentials"), ("tickets", "0003_roles")]

    operations = [migrations.RunPython(grant_admin, migrations.RunPython.noop)]
