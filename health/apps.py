from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Health"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.imports.registry import register_import_runner

        from . import receivers  # noqa: F401  (connects the receivers)
        from .records.import_jobs import record_import_run
        from .records.kinds import KINDS

        # The record import's jobs are accounts' ImportJob, run by accounts' task, which may not import us.
        for key in KINDS:
            register_import_runner(key, record_import_run)
