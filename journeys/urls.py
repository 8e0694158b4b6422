from django.urls import path

from tenancy.shortcuts import SectionView

app_name = "journeys"

urlpatterns = [
    path(
        "",
        SectionView.as_view(
            title="Journeys",
            empty_heading="No journey tracks yet",
            empty_body=(
                "Each account's journey tracks through onboarding, adoption, retention, expansion, renewal "
                "and advocacy appear here, with every stage change and its reason."
            ),
        ),
        name="index",
    ),
]
