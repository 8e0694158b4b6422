from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Health"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import reverse

        from accounts.services.import_runners import register_import_runner
        from activities.models import TaskSource
        from activities.sources import source_link_register

        from . import receivers  # noqa: F401  (connects the receivers)
        from .models.record_kinds import KINDS
        from .services.record_imports import record_import_run

        # The record import's jobs are accounts' ImportJob, run by accounts' task, which may not import us.
        for key in KINDS:
            register_import_runner(key, record_import_run)
        # A task made of a signal links back to the signal on its account's health page.
        source_link_register(TaskSource.HEALTH_SIGNAL, lambda signal_id: reverse("health:signal", args=[signal_id]))
