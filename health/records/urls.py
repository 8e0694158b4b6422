"""Record pages, included under "signals/" in the health namespace (health:account_timeline, health:signal_import,
health:signal_import_job and its progress and rejected rows)."""

from django.urls import path

from . import views

urlpatterns = [
    path("accounts/<int:account_id>/timeline/", views.account_timeline, name="account_timeline"),
    path("import/", views.record_import, name="signal_import"),
    path("import/<int:record_import_id>/", views.record_import_job, name="signal_import_job"),
    path("import/<int:record_import_id>/progress/", views.record_import_progress, name="signal_import_progress"),
    path("import/<int:record_import_id>/rejected.csv", views.record_import_rejected, name="signal_import_rejected"),
]
