from django.urls import include, path

from . import views

app_name = "health"

urlpatterns = [
    path("", views.index, name="index"),
    path("events/", views.event_list, name="event_list"),
    path("events/<int:event_definition_id>/", views.event_edit, name="event_edit"),
    path("ingestion-errors/", views.ingestion_errors, name="ingestion_errors"),
    path("ingestion-settings/", views.ingestion_settings, name="ingestion_settings"),
    path("signals/", include("health.records.urls")),
    path("model/", include("health.scoring.admin_urls")),
    path("scores/", include("health.scoring.urls")),
]
