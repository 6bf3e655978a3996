from django.contrib.auth.management import create_permissions
from django.db import migrations

# Added to the roles of 0003: who works sub-tasks, and the warehouse, whose staff fulfil
# parts requests and see only the tickets their team has a sub-task on.
ROLE_PERMISSIONS_ADDED = {
    "agent": ["tickets.work_subtask"],
    "engineer": ["tickets.work_subtask"],
    "team_lead": ["tickets.work_subtask"],
    "manager": ["tickets.work_subtask"],
    "warehouse": ["tickets.view_ticket", "tickets.work_subtask", "tickets.view_product"],
}

# Canned replies (常用回复) agents send most; {number} and {owner_name} are filled in.
MACROS = [
    (
        "已收到，正在处理",
        "您好，您反映的问题我们已收到，正在为您加紧处理，有进展会第一时间告知您。",
    ),
    ("预约上门确认", "您好，工程师将按约定时间上门，请保持电话畅通；如需改约请直接回复或致电400。"),
    ("配件调拨中", "您好，维修所需配件正在从仓库调拨，预计1-3天到达，到货后我们会立即安排维修。"),
    ("请提供购买凭证", "您好，为确认保修期，请提供购买发票或订单截图，以及机身铭牌照片。"),
    ("请提供故障照片", "您好，为尽快判断故障原因，请拍摄故障部位的照片或短视频发给我们。"),
    (
        "使用指导",
        "您好，建议您先断电5分钟后重新启动，并检查滤网/进水阀是否堵塞；如仍有问题请告诉我们。",
    ),
    (
        "寄修说明",
        "您好，您可选择寄修：请将产品包装好寄至售后维修中心，寄出后回复快递单号，修好后免费寄回。",
    ),
    (
        "致歉",
        "您好，给您带来不便我们深表歉意，{owner_name}将全程负责您的工单{number}，直到问题解决。",
    ),
]


def grant(apps, schema_editor):
    grant_permissions(apps, ROLE_PERMISSIONS_ADDED)


def grant_permissions(apps, table):
    """Add each role's permissions (creating them first); admin gets every permission."""
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in table.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    admin = Group.objects.filter(name="admin").first()
    if admin is not None:
        admin.permissions.set(Permission.objects.all())


def seed_macros(apps, schema_editor):
    Macro = apps.get_model("tickets", "Macro")
    for position, (title, body) in enumerate(MACROS):
        Macro.objects.get_or_create(title=title, defaults={"body": body, "position": position})


def ungrant(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="warehouse").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0012_dispatch_subtasks_transfers_visits"),
    ]

    operations = [
        migrations.RunPython(grant, ungrant),
        migrations.RunPython(seed_macros, migrations.RunPython.noop),
    ]
