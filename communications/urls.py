"""Communications' pages, all under the `communications` namespace, area by area.

Public (no sign-in): feed_ics, track_open and track_click, whose secret or signed token is the credential,
and the pages a customer's contact reaches from a message (the preference centre and the RFC 8058
one-click unsubscribe), whose signed token names the tenant and the contact."""

from django.urls import path

from .views import (
    approvals,
    cadences,
    calendar,
    entries,
    feeds,
    imports,
    owner_tasks,
    preferences,
    reports,
    settings,
    tracking,
)

app_name = "communications"

urlpatterns = [
    # The master calendar, an entry's pages, the approvals queue, the owners' tasks and the account card.
    path("", calendar.calendar_index, name="index"),
    path("calendar/", calendar.calendar_index, name="calendar"),
    path("accounts/<int:account_id>/", calendar.account_calendar, name="account_calendar"),
    path("accounts/<int:account_id>/card/", calendar.account_card, name="account_card"),
    path("entries/new/", entries.entry_new, name="entry_new"),
    path("entries/<int:entry_id>/", entries.entry_detail, name="entry"),
    path("entries/<int:entry_id>/edit/", entries.entry_edit, name="entry_edit"),
    path("entries/<int:entry_id>/schedule/", entries.entry_schedule, name="entry_schedule"),
    path("entries/<int:entry_id>/cancel/", entries.entry_cancel, name="entry_cancel"),
    path("entries/<int:entry_id>/resend/", entries.entry_resend, name="entry_resend"),
    path("entries/<int:entry_id>/preview/", entries.entry_preview, name="entry_preview"),
    path("approvals/", approvals.approval_list, name="approvals"),
    path("entries/<int:entry_id>/approve/", approvals.entry_approve, name="entry_approve"),
    path("entries/<int:entry_id>/reject/", approvals.entry_reject, name="entry_reject"),
    path("tasks/", owner_tasks.task_list, name="tasks"),
    path("tasks/<int:task_id>/done/", owner_tasks.task_done, name="task_done"),
    # Cadences and enrolments.
    path("cadences/", cadences.cadence_list, name="cadences"),
    path("cadences/<int:cadence_id>/", cadences.cadence_detail, name="cadence"),
    path("cadences/<int:cadence_id>/steps/new/", cadences.cadence_step_new, name="cadence_step_new"),
    path("steps/<int:step_id>/", cadences.cadence_step_edit, name="cadence_step_edit"),
    path("steps/<int:step_id>/delete/", cadences.cadence_step_delete, name="cadence_step_delete"),
    path("enrollments/", cadences.enrollment_list, name="enrollments"),
    path("accounts/<int:account_id>/enrol/", cadences.enrol, name="enrol"),
    path("enrollments/<int:enrollment_id>/exit/", cadences.enrollment_exit, name="enrollment_exit"),
    # Calendar feeds, campaign imports, tracking and engagement logging, reports and settings.
    path("feeds/", feeds.feed_list, name="feeds"),
    path("feeds/<int:feed_id>/rotate/", feeds.feed_rotate, name="feed_rotate"),
    path("feeds/<int:feed_id>/delete/", feeds.feed_delete, name="feed_delete"),
    path("feeds/<str:token>.ics", feeds.feed_ics, name="feed_ics"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/sample.csv", imports.import_sample, name="import_sample"),
    path("imports/<int:import_id>/", imports.import_detail, name="import_detail"),
    path("imports/<int:import_id>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:import_id>/rejected.csv", imports.import_rejected_csv, name="import_rejected_csv"),
    path("t/o/<str:token>.gif", tracking.track_open, name="track_open"),
    path("t/c/<str:token>/", tracking.track_click, name="track_click"),
    path("entries/<int:entry_id>/engagement/", tracking.engagement_log, name="engagement_log"),
    path("reports/", reports.reports, name="reports"),
    path("reports/export.csv", reports.reports_csv, name="reports_csv"),
    path("settings/", settings.settings_index, name="settings"),
    path("settings/general/", settings.settings_general, name="settings_general"),
    path("settings/caps/", settings.settings_caps, name="settings_caps"),
    path("settings/blackouts/", settings.settings_blackouts, name="settings_blackouts"),
    path("settings/permissions/", settings.settings_permissions, name="settings_permissions"),
    path("settings/slack-test/", settings.settings_slack_test, name="settings_slack_test"),
    # A contact's preference centre and one-click unsubscribe.
    path("p/<str:token>/", preferences.preferences, name="preferences"),
    path("u/<str:token>/", preferences.unsubscribe, name="unsubscribe"),
]
