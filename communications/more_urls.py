"""Routes of calendar feeds, campaign imports, tracking, engagement logging, reports and settings.
Public (no sign-in): feed_ics, track_open and track_click; their secret or signed token is the credential."""

from django.urls import path

from .views import feeds, imports, reports, settings, tracking

urlpatterns = [
    path("feeds/", feeds.feed_list, name="feeds"),
    path("feeds/<int:feed_id>/rotate/", feeds.feed_rotate, name="feed_rotate"),
    path("feeds/<int:feed_id>/delete/", feeds.feed_delete, name="feed_delete"),
    path("feeds/<str:token>.ics", feeds.feed_ics, name="feed_ics"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/sample.csv", imports.import_sample, name="import_sample"),
    path("imports/<int:import_id>/", imports.import_detail, name="import_detail"),
    path("imports/<int:import_id>/progress/", imports.import_progress, name="import_progress"),
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
]
