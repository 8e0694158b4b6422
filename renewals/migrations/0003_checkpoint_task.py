import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A checkpoint gets its task (issue 17). Its due day becomes nullable on the way: the columns that move
    to the task are removed two migrations on, and going back re-adds them empty before filling them."""

    dependencies = [
        ("activities", "0001_tasks_and_notes"),
        ("renewals", "0002_account_arr_from_contracts"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkpoint",
            name="task",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="activities.task",
                help_text="The owner's task: due on the planned date, or a compressed one after a late start.",
            ),
        ),
        migrations.AlterField(
            model_name="checkpoint",
            name="due_on",
            field=models.DateField(
                null=True,
                help_text="The task's date: the planned date, or a compressed one after a late start.",
            ),
        ),
    ]
