"""Journeys pages: the board, an account's journey, settings, success plans and analytics."""

from django.urls import include, path

app_name = "journeys"

# Each part has its own list of routes (one helper file per area); they share the journeys namespace.
urlpatterns = [
    path("", include("journeys.board_urls")),
    path("plans/", include("journeys.plan_urls")),
    path("analytics/", include("journeys.analytics_urls")),
]
