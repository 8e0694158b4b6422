"""Success plan routes, under journeys/plans/ in the journeys namespace."""

from django.urls import path

from .views import plans

urlpatterns = [
    path("", plans.objective_list, name="objective_list"),
    path("accounts/<int:account_id>/", plans.success_plan, name="success_plan"),
    path("accounts/<int:account_id>/objectives/new/", plans.objective_create, name="objective_create"),
    path("objectives/<int:objective_id>/edit/", plans.objective_edit, name="objective_edit"),
    path("objectives/<int:objective_id>/delete/", plans.objective_delete, name="objective_delete"),
    path("objectives/<int:objective_id>/measurements/new/", plans.measurement_create, name="measurement_create"),
    path("measurements/<int:measurement_id>/delete/", plans.measurement_delete, name="measurement_delete"),
    path("accounts/<int:account_id>/milestones/new/", plans.milestone_create, name="milestone_create"),
    path("milestones/<int:milestone_id>/edit/", plans.milestone_edit, name="milestone_edit"),
    path("milestones/<int:milestone_id>/done/", plans.milestone_done, name="milestone_done"),
    path("milestones/<int:milestone_id>/delete/", plans.milestone_delete, name="milestone_delete"),
]
