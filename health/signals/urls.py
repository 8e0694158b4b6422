"""Signal pages, included under "signals/" in the health namespace (health:account_timeline, health:signal_import)."""

from django.urls import path

from . import views

urlpatterns = [
    path("accounts/<int:account_id>/timeline/", views.account_timeline, name="account_timeline"),
    path("import/", views.signal_import, name="signal_import"),
]
