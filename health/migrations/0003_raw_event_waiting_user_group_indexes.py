"""Partial indexes on the raw events still waiting for their person or account (account empty),
by userId and by groupId: a later group call finds and attributes them without a scan. Only
waiting rows are indexed, so attributed ingestion pays nothing for them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("health", "0002_raw_event_time_brin")]

    operations = [
        migrations.AddIndex(
            model_name="rawevent",
            index=models.Index(
                condition=models.Q(("account__isnull", True), models.Q(("user_id", ""), _negated=True)),
                fields=["tenant", "user_id"],
                name="raw_event_waiting_user",
            ),
        ),
        migrations.AddIndex(
            model_name="rawevent",
            index=models.Index(
                condition=models.Q(("account__isnull", True), models.Q(("group_id", ""), _negated=True)),
                fields=["tenant", "group_id"],
                name="raw_event_waiting_group",
            ),
        ),
    ]
