"""Journeys pages, all under the `journeys` namespace: the board, an account's journey, moving tracks, flags,
the settings, success plans (under plans/) and analytics (under analytics/)."""

from django.urls import path

from .views import account, analytics, board, plans, settings

app_name = "journeys"

urlpatterns = [
    # The board, an account's journey, moving tracks, flags and the settings.
    path("", board.board, name="index"),
    path("list/", board.track_list, name="track_list"),
    path("accounts/<int:account_id>/", account.account_journey, name="account_journey"),
    path("accounts/<int:account_id>/card/", account.account_journey_card, name="account_journey_card"),
    path("accounts/<int:account_id>/tracks/new/", account.track_create, name="track_create"),
    path("tracks/<int:track_id>/move/", account.track_move, name="track_move"),
    path("tracks/<int:track_id>/end/", account.track_end, name="track_end"),
    path("tracks/<int:track_id>/edit/", account.track_edit, name="track_edit"),
    path(
        "tracks/<int:track_id>/criteria/<int:criterion_id>/check/",
        account.criterion_toggle,
        name="criterion_toggle",
    ),
    path("flags/", board.flag_list, name="flag_list"),
    path("flags/<int:flag_id>/", board.flag_detail, name="flag"),
    path("flags/<int:flag_id>/confirm/", board.flag_confirm, name="flag_confirm"),
    path("flags/<int:flag_id>/task/", board.flag_task, name="flag_task"),
    path("flags/<int:flag_id>/dismiss/", board.flag_dismiss, name="flag_dismiss"),
    path("settings/", settings.journey_settings, name="journey_settings"),
    path("settings/criteria/new/", settings.criterion_create, name="criterion_create"),
    path("settings/criteria/<int:criterion_id>/", settings.criterion_edit, name="criterion_edit"),
    path("settings/criteria/<int:criterion_id>/delete/", settings.criterion_delete, name="criterion_delete"),
    path("settings/expectations/", settings.expectations_edit, name="expectations_edit"),
    # Success plans.
    path("plans/", plans.objective_list, name="objective_list"),
    path("plans/accounts/<int:account_id>/", plans.success_plan, name="success_plan"),
    path("plans/accounts/<int:account_id>/objectives/new/", plans.objective_create, name="objective_create"),
    path("plans/objectives/<int:objective_id>/edit/", plans.objective_edit, name="objective_edit"),
    path("plans/objectives/<int:objective_id>/delete/", plans.objective_delete, name="objective_delete"),
    path("plans/objectives/<int:objective_id>/measurements/new/", plans.measurement_create, name="measurement_create"),
    path("plans/measurements/<int:measurement_id>/delete/", plans.measurement_delete, name="measurement_delete"),
    path("plans/accounts/<int:account_id>/milestones/new/", plans.milestone_create, name="milestone_create"),
    path("plans/milestones/<int:milestone_id>/edit/", plans.milestone_edit, name="milestone_edit"),
    path("plans/milestones/<int:milestone_id>/done/", plans.milestone_done, name="milestone_done"),
    path("plans/milestones/<int:milestone_id>/delete/", plans.milestone_delete, name="milestone_delete"),
    # Journey analytics: the leader's page and its CSV export.
    path("analytics/", analytics.analytics, name="analytics"),
    path("analytics/export.csv", analytics.analytics_export, name="analytics_export"),
]
