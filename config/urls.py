from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts.urls import urlpatterns as accounts_urlpatterns
from dashboard.urls import account_urlpatterns as account_360_urlpatterns
from health.urls import tracking_urlpatterns
from workspace.forms.sign_in import EmailAuthenticationForm

from . import api_docs
from .healthz import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(post_reset_login=False),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # The operator's Django admin (staff only); tenant admins use /admin/.
    path("django-admin/", admin.site.urls),
    # The Segment/RudderStack-compatible tracking API (write keys, not sessions).
    path("v1/", include((tracking_urlpatterns, "ingestion"))),
    path("api/v1/", include(("config.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs.SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", api_docs.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("workspace.urls")),
    # The account 360 is dashboard's page (it composes every app's card) at the account's own address and name.
    path("accounts/", include(([*accounts_urlpatterns, *account_360_urlpatterns], "accounts"))),
    path("tasks/", include("activities.urls")),
    path("journeys/", include("journeys.urls")),
    path("health/", include("health.urls")),
    path("renewals/", include("renewals.urls")),
    path("communications/", include("communications.urls")),
    path("playbooks/", include("playbooks.urls")),
    path("", include("dashboard.urls")),
]

handler404 = "config.errors.page_not_found"
