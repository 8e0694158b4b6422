from django.urls import path

from tenancy.shortcuts import SectionView

app_name = "communications"

urlpatterns = [
    path(
        "",
        SectionView.as_view(
            title="Communications",
            empty_heading="No planned touchpoints yet",
            empty_body="The master calendar of every planned customer touchpoint, from every team, appears here.",
        ),
        name="index",
    ),
]
