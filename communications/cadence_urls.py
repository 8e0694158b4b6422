"""Cadence routes, under communications/ in the communications namespace."""

from django.urls import path

from .views import cadences

urlpatterns = [
    path("cadences/", cadences.cadence_list, name="cadences"),
    path("cadences/<int:cadence_id>/", cadences.cadence_detail, name="cadence"),
    path("cadences/<int:cadence_id>/steps/new/", cadences.cadence_step_new, name="cadence_step_new"),
    path("steps/<int:step_id>/", cadences.cadence_step_edit, name="cadence_step_edit"),
    path("steps/<int:step_id>/delete/", cadences.cadence_step_delete, name="cadence_step_delete"),
    path("enrollments/", cadences.enrollment_list, name="enrollments"),
    path("accounts/<int:account_id>/enrol/", cadences.enrol, name="enrol"),
    path("enrollments/<int:enrollment_id>/exit/", cadences.enrollment_exit, name="enrollment_exit"),
]
