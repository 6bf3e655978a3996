"""Seed one WarrantyPromise per product type from the resolve form's former defaults."""

from django.db import migrations

# A copy of tickets.selectors.work.WARRANTY_NOTE_DEFAULTS as of this migration: a data
# migration must not import app code, which may change after it.
PROMISES = {
    "air_conditioner": "维修后3个月内同一问题免费上门",
    "refrigerator": "维修后3个月内同一问题免费上门",
    "washing_machine": "维修后3个月内同一问题免费上门",
    "water_heater": "维修后3个月内同一问题免费上门，并免费检测漏电保护",
    "rice_cooker": "维修后3个月内同一问题免费维修（寄修或到店）",
    "printer": "维修后3个月内同一问题免费维修",
}


def seed(apps, schema_editor):
    WarrantyPromise = apps.get_model("feedback", "WarrantyPromise")
    for category, text in PROMISES.items():
        # An admin's own wording, if one was entered already, is kept.
        WarrantyPromise.objects.get_or_create(category=category, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("feedback", "0004_survey_callback_outcome_warranty_promise")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
