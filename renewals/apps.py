from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "renewals"
    verbose_name = "Renewals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from health.peers import register_decided_outcomes

        from . import receivers  # noqa: F401  (connects the receivers)
        from .peers import renewal_outcomes

        # Health's backtest scores against decided renewals, but health sits below us and may not import us.
        register_decided_outcomes(renewal_outcomes)
