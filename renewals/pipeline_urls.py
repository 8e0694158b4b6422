"""Expansion pipeline routes, under renewals/pipeline/ in the renewals namespace."""

from django.urls import path

from .views import pipeline

urlpatterns = [
    path("pipeline/", pipeline.pipeline, name="pipeline"),
    path("pipeline/list/", pipeline.opportunity_list, name="opportunity_list"),
    path("pipeline/new/", pipeline.opportunity_new, name="opportunity_new"),
    path("pipeline/<int:opportunity_id>/", pipeline.opportunity_detail, name="opportunity"),
    path("pipeline/<int:opportunity_id>/edit/", pipeline.opportunity_edit, name="opportunity_edit"),
    path("pipeline/<int:opportunity_id>/move/", pipeline.opportunity_move, name="opportunity_move"),
]
