from django.contrib.auth.management import create_permissions
from django.db import migrations

# The roles are groups; what each may do is this table. Scoping (which tickets) is in
# tickets.selectors.ticket_visibility, keyed on the view_* permissions below.
ROLE_PERMISSIONS = {
    "agent": [
        "tickets.view_ticket",
        "tickets.add_ticket",
        "tickets.view_team_tickets",
        "tickets.reveal_customer",
        "tickets.transition_ticket",
        "tickets.view_customer",
        "tickets.view_product",
        "tickets.view_tag",
    ],
    "engineer": [
        "tickets.view_ticket",
        "tickets.view_team_tickets",
        "tickets.reveal_customer",
        "tickets.transition_ticket",
        "tickets.view_product",
        "tickets.view_tag",
    ],
    "team_lead": [
        "tickets.view_ticket",
        "tickets.add_ticket",
        "tickets.change_ticket",
        "tickets.view_team_tickets",
        "tickets.reveal_customer",
        "tickets.transition_ticket",
        "tickets.view_customer",
        "tickets.view_product",
        "tickets.view_tag",
        "tickets.view_team",
    ],
    "manager": [
        "tickets.view_ticket",
        "tickets.add_ticket",
        "tickets.change_ticket",
        "tickets.view_all_tickets",
        "tickets.reveal_customer",
        "tickets.transition_ticket",
        "tickets.view_customer",
        "tickets.view_product",
        "tickets.view_tag",
        "tickets.view_team",
        "tickets.view_store",
    ],
    "store_staff": [
        "tickets.view_ticket",
        "tickets.add_ticket",
        "tickets.view_store_tickets",
        "tickets.reveal_customer",
        "tickets.view_product",
    ],
    "product_manager": [
        "tickets.view_ticket",
        "tickets.view_suggestion_tickets",
        "tickets.view_product",
        "tickets.view_tag",
    ],
    # admin gets every permission (below): it runs the admin site and the tag library.
    "admin": None,
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        # create_permissions skips app configs without models_module, as migration states are.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if codenames is None:
            group.permissions.set(Permission.objects.all())
            continue
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_ticket_number_sequence"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
