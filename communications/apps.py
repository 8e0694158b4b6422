from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = "Communications"
    default_auto_field = "django.db.models.BigAutoField"
