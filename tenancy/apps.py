import sys

from django.apps import AppConfig
from django.conf import settings


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy and people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db import models
        from rest_framework import serializers

        from . import write_keys  # noqa: F401  (its receivers forget a changed write key)
        from .api_support import DateTimeField

        # Every serializer's model time answers in RFC 3339 (see DateTimeField); the mapping is the one
        # ModelSerializer and all its subclasses share.
        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = DateTimeField
        if settings.CELERY_TASK_ALWAYS_EAGER:
            sys.stderr.write("postsale: REDIS_URL is not set; background tasks run in-process.\n")
