from django.db import migrations


class Migration(migrations.Migration):
    """Ticket numbers (SH-<date>-<n>) take n from this sequence: unique without a table lock."""

    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE tickets_ticket_number_seq START 1;",
            "DROP SEQUENCE tickets_ticket_number_seq;",
        )
    ]
