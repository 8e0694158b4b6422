from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Journeys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import reverse

        from activities.models import TaskSource
        from activities.sources import source_link_register

        from . import receivers  # noqa: F401  (connects the receivers)

        # A task made of a flag links back to the flag on its account's journey.
        source_link_register(TaskSource.JOURNEY_FLAG, lambda flag_id: reverse("journeys:flag", args=[flag_id]))
