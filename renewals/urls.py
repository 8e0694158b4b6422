from django.urls import path

from tenancy.shortcuts import SectionView

app_name = "renewals"

urlpatterns = [
    path(
        "",
        SectionView.as_view(
            title="Renewals",
            empty_heading="No renewals yet",
            empty_body="Upcoming contract ends appear here with their runway of checkpoints and forecast category.",
        ),
        name="index",
    ),
]
