from django.urls import path

from tenancy.shortcuts import SectionView

app_name = "accounts"

urlpatterns = [
    path(
        "",
        SectionView.as_view(
            title="Accounts",
            empty_heading="No accounts yet",
            empty_body=(
                "Your book of business appears here: every customer account with its segment, ARR, service "
                "tier and owner CSM."
            ),
        ),
        name="index",
    ),
]
