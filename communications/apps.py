from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = "Communications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import reverse

        from activities.models import TaskSource
        from activities.sources import source_link_register

        from . import receivers  # noqa: F401  (connects the receivers)

        # A cadence step's task (a call, a webinar, a post, an SMS) links back to its calendar entry.
        source_link_register(TaskSource.CADENCE_STEP, lambda entry_id: reverse("communications:entry", args=[entry_id]))
