"""On PostgreSQL, a BRIN index on the event time: raw events arrive in time order, so a block-range
index makes time-range reads (rollup rebuilds, retention) cheap at a tiny fraction of a B-tree's size."""

from django.db import migrations


def create_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS raw_event_timestamp_brin ON health_rawevent USING brin (timestamp)"
        )


def drop_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS raw_event_timestamp_brin")


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial")]

    operations = [migrations.RunPython(create_brin, drop_brin)]
