import sys

from django.apps import AppConfig
from django.conf import settings


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy and people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import write_keys  # noqa: F401  (its receivers forget a changed write key)

        if settings.CELERY_TASK_ALWAYS_EAGER:
            sys.stderr.write("postsale: REDIS_URL is not set; background tasks run in-process.\n")
