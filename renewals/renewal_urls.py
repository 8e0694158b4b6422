"""Routes of the renewals list, a renewal's page and its changes, the tasks, the settings and the account card."""

from django.urls import path

from .views import account, renewals, settings, tasks

urlpatterns = [
    path("", renewals.renewal_index, name="index"),
    path("<int:renewal_id>/", renewals.renewal_detail, name="renewal"),
    path("<int:renewal_id>/forecast/", renewals.renewal_forecast, name="renewal_forecast"),
    path("<int:renewal_id>/outcome/", renewals.renewal_outcome, name="renewal_outcome"),
    path("<int:renewal_id>/review/", renewals.renewal_review, name="renewal_review"),
    path("<int:renewal_id>/assign/", renewals.renewal_assign, name="renewal_assign"),
    path("checkpoints/<int:checkpoint_id>/complete/", tasks.checkpoint_complete, name="checkpoint_complete"),
    path("tasks/", tasks.task_list, name="tasks"),
    path("settings/", settings.renewal_settings, name="settings"),
    path("settings/rules/", settings.renewal_rules_edit, name="settings_rules"),
    path("settings/runway/new/", settings.runway_step_new, name="runway_step_new"),
    path("settings/runway/<int:runway_step_id>/", settings.runway_step_edit, name="runway_step_edit"),
    path("settings/runway/<int:runway_step_id>/active/", settings.runway_step_active, name="runway_step_active"),
    path("settings/runway/<int:runway_step_id>/delete/", settings.runway_step_delete, name="runway_step_delete"),
    path("settings/reasons/new/", settings.outcome_reason_new, name="outcome_reason_new"),
    path("settings/reasons/<int:outcome_reason_id>/", settings.outcome_reason_edit, name="outcome_reason_edit"),
    path(
        "settings/reasons/<int:outcome_reason_id>/active/", settings.outcome_reason_active, name="outcome_reason_active"
    ),
    path("accounts/<int:account_id>/card/", account.account_card, name="account_card"),
]
