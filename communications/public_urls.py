"""The pages a customer's contact reaches from a message, without signing in: the preference centre and
the RFC 8058 one-click unsubscribe. The signed token names the tenant and the contact."""

from django.urls import path

from .views import public

urlpatterns = [
    path("p/<str:token>/", public.preferences, name="preferences"),
    path("u/<str:token>/", public.unsubscribe, name="unsubscribe"),
]
