from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Shared kernel"

    def ready(self) -> None:
        from django.db import models
        from rest_framework import serializers

        from .api import DateTimeField

        # Every serializer's model time answers in RFC 3339 (see DateTimeField); the mapping is the one
        # ModelSerializer and all its subclasses share.
        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = DateTimeField
