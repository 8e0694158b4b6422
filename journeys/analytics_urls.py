"""Journey analytics routes: the leader's page and its CSV export."""

from django.urls import path

from .views import analytics as views

urlpatterns = [
    path("", views.analytics, name="analytics"),
    path("export.csv", views.analytics_export, name="analytics_export"),
]
