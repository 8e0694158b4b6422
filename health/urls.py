from django.urls import path

from tenancy.shortcuts import SectionView

app_name = "health"

urlpatterns = [
    path(
        "",
        SectionView.as_view(
            title="Health",
            empty_heading="No health scores yet",
            empty_body=(
                "Health scores from product adoption, support, financial and relationship signals appear "
                "here once usage events arrive."
            ),
        ),
        name="index",
    ),
]
