from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "renewals"
    verbose_name = "Renewals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import reverse

        from activities.models import TaskSource
        from activities.sources import source_link_register
        from health.peers import register_decided_outcomes

        from . import receivers  # noqa: F401  (connects the receivers)
        from .peers import renewal_outcomes

        # Health's backtest scores against decided renewals, but health sits below us and may not import us.
        register_decided_outcomes(renewal_outcomes)
        # A checkpoint's task links back to its renewal's runway (the checkpoint's URL redirects there).
        source_link_register(
            TaskSource.RENEWAL_CHECKPOINT, lambda checkpoint_id: reverse("renewals:checkpoint", args=[checkpoint_id])
        )
