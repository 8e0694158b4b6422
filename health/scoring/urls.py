"""Health score pages, included under "scores/" in the health namespace (health:account_health, ...)."""

from django.urls import path

from . import views

urlpatterns = [
    path("accounts/<int:account_id>/", views.account_health, name="account_health"),
    path("accounts/<int:account_id>/card/", views.account_health_card, name="account_health_card"),
    path("accounts/<int:account_id>/recompute/", views.account_health_recompute, name="account_health_recompute"),
    path("accounts/<int:account_id>/measures/<str:measure_key>/", views.measure_events, name="measure_events"),
    path("signals/", views.signal_list, name="signal_list"),
]
