"""Import pages, included under "imports/" in the accounts namespace (accounts:import_list, ...)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("<int:import_job_id>/", views.import_detail, name="import_detail"),
    path("<int:import_job_id>/progress/", views.import_progress, name="import_progress"),
    path("<int:import_job_id>/rejected.csv", views.import_rejected_csv, name="import_rejected_csv"),
]
