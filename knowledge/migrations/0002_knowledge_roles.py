import importlib

from django.db import migrations

VIEW_LOOP = [
    # The tickets behind the loop: suggestions, and those a problem report covers.
    "tickets.view_ticket",
    "tickets.view_suggestion_tickets",
    "tickets.view_product",
    "tickets.view_tag",
    "knowledge.view_article",
    "knowledge.view_problemreport",
    "knowledge.view_improvementplan",
    "knowledge.view_alert",
    "knowledge.view_monthlyreport",
]
# Who may do what with the knowledge base and the improvement loop (seed 004). The three
# approving roles are new: a plan is adopted only when each of them has approved.
ROLE_PERMISSIONS_ADDED = {
    "agent": ["knowledge.view_article", "knowledge.add_article", "knowledge.change_article"],
    "engineer": ["knowledge.view_article", "knowledge.add_article", "knowledge.change_article"],
    "store_staff": ["knowledge.view_article"],
    "team_lead": [
        "knowledge.view_article",
        "knowledge.add_article",
        "knowledge.change_article",
        "knowledge.publish_article",
    ],
    "manager": [
        *VIEW_LOOP,
        "knowledge.add_article",
        "knowledge.change_article",
        "knowledge.publish_article",
        "knowledge.add_problemreport",
        "knowledge.change_problemreport",
        "knowledge.change_alert",
    ],
    "product_manager": [
        *VIEW_LOOP,
        "knowledge.add_article",
        "knowledge.change_article",
        "knowledge.add_problemreport",
        "knowledge.change_problemreport",
        "knowledge.add_improvementplan",
        "knowledge.change_improvementplan",
        "knowledge.change_alert",
    ],
    "product_director": [*VIEW_LOOP, "knowledge.approve_as_product_director"],
    "rnd_lead": [
        *VIEW_LOOP,
        "knowledge.approve_as_rnd_lead",
        "knowledge.add_verification",
    ],
    "quality_lead": [
        *VIEW_LOOP,
        "knowledge.approve_as_quality_lead",
        "knowledge.add_problemreport",
        "knowledge.change_problemreport",
        "knowledge.add_verification",
        "knowledge.change_alert",
    ],
}


def grant(apps, schema_editor):
    roles = importlib.import_module("tickets.migrations.0013_dispatch_roles_and_macros")
    roles.grant_permissions(apps, ROLE_PERMISSIONS_ADDED)


def ungrant(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["product_director", "rnd_lead", "quality_lead"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_articles_and_improvement_loop"),
        ("tickets", "0016_ticket_event_feedback_verbs"),
    ]

    operations = [migrations.RunPython(grant, ungrant)]
