"""The tag library: codes, keywords, the tier and category a tag implies, a change stamp.

Existing tags get a code in three steps (nullable, fill, then unique and required), so a
database with tags already in it migrates without a clash.
"""

from django.db import migrations, models

import tickets.models


def fill_codes(apps, schema_editor):
    Tag = apps.get_model("tickets", "Tag")
    for tag in Tag.objects.filter(code__isnull=True).only("pk"):
        tag.code = f"tag-{tag.pk}"
        tag.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_ticket_triage_repeat_attachments_tag_review"),
    ]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="code",
            # No index yet: the unique one comes with the AlterField below (an index here
            # would clash with the one that AlterField creates for LIKE lookups).
            field=models.SlugField(db_index=False, null=True, verbose_name="code"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="tag",
            name="code",
            field=models.SlugField(
                default=tickets.models.Tag.Lazy.code, unique=True, verbose_name="code"
            ),
        ),
        migrations.AddField(
            model_name="tag",
            name="keywords",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Words and synonyms that suggest this tag, e.g. 漏水, 渗水, 滴水. 'a+b' needs both in one sentence; 're:' starts a regular expression for one word.",
                verbose_name="keywords",
            ),
        ),
        migrations.AddField(
            model_name="tag",
            name="tier",
            field=models.CharField(
                blank=True,
                choices=tickets.models.Tag.Lazy.tiers,
                help_text="The least tier a match implies; blank: the parent's.",
                max_length=2,
                verbose_name="tier",
            ),
        ),
        migrations.AddField(
            model_name="tag",
            name="category",
            field=models.CharField(
                blank=True,
                choices=tickets.models.Tag.Lazy.categories,
                help_text="Blank: the parent's; blank on a top-level tag: no opinion (e.g. escalation).",
                max_length=20,
                verbose_name="problem category",
            ),
        ),
        migrations.AddField(
            model_name="tag",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
