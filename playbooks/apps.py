from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "playbooks"
    verbose_name = "Playbooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The lower apps' events that fire triggers, and the new tenant's shipped playbooks.
        from . import receivers  # noqa: F401
