from django.urls import path

from core.web import SectionView

app_name = "playbooks"

urlpatterns = [
    path(
        "",
        SectionView.as_view(
            title="Playbooks",
            empty_heading="No playbooks yet",
            empty_body=(
                "Playbooks turn signals into action: when a trigger fires for a matching account, "
                "they create tasks, enrol cadences and notify owners."
            ),
        ),
        name="index",
    ),
]
