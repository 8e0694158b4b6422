"""Retention metrics routes: the leader's page and its CSV export."""

from django.urls import path

from .views import metrics as views

urlpatterns = [
    path("metrics/", views.metrics, name="metrics"),
    path("metrics/export.csv", views.metrics_export, name="metrics_export"),
]
