"""Renewals' pages, all under the `renewals` namespace: the renewals list and a renewal's page, the
checkpoint tasks, the settings, the account card, the contracts, the expansion pipeline and the metrics."""

from django.urls import path

from .views import account, contracts, metrics, pipeline, renewals, settings, tasks

app_name = "renewals"

urlpatterns = [
    # Renewals, their checkpoints and the tasks they make.
    path("", renewals.renewal_index, name="index"),
    path("<int:renewal_id>/", renewals.renewal_detail, name="renewal"),
    path("<int:renewal_id>/forecast/", renewals.renewal_forecast, name="renewal_forecast"),
    path("<int:renewal_id>/outcome/", renewals.renewal_outcome, name="renewal_outcome"),
    path("<int:renewal_id>/review/", renewals.renewal_review, name="renewal_review"),
    path("<int:renewal_id>/assign/", renewals.renewal_assign, name="renewal_assign"),
    path("checkpoints/<int:checkpoint_id>/", tasks.checkpoint_detail, name="checkpoint"),
    path("checkpoints/<int:checkpoint_id>/complete/", tasks.checkpoint_complete, name="checkpoint_complete"),
    path("tasks/", tasks.task_list, name="tasks"),
    # Settings.
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
    # The account page's card.
    path("accounts/<int:account_id>/card/", account.account_card, name="account_card"),
    # Contracts.
    path("contracts/", contracts.contract_list, name="contracts"),
    path("contracts/new/", contracts.contract_new, name="contract_new"),
    path("contracts/<int:contract_id>/", contracts.contract_detail, name="contract"),
    path("contracts/<int:contract_id>/edit/", contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:contract_id>/amend/", contracts.contract_amend, name="contract_amend"),
    path("contracts/<int:contract_id>/cancel/", contracts.contract_cancel, name="contract_cancel"),
    # The expansion pipeline.
    path("pipeline/", pipeline.pipeline, name="pipeline"),
    path("pipeline/list/", pipeline.opportunity_list, name="opportunity_list"),
    path("pipeline/new/", pipeline.opportunity_new, name="opportunity_new"),
    path("pipeline/<int:opportunity_id>/", pipeline.opportunity_detail, name="opportunity"),
    path("pipeline/<int:opportunity_id>/edit/", pipeline.opportunity_edit, name="opportunity_edit"),
    path("pipeline/<int:opportunity_id>/move/", pipeline.opportunity_move, name="opportunity_move"),
    # Retention metrics: the leader's page and its CSV export.
    path("metrics/", metrics.metrics, name="metrics"),
    path("metrics/export.csv", metrics.metrics_export, name="metrics_export"),
]
