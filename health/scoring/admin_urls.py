"""The health model's pages, under health/model/ in the health namespace.

A segment's editor is one route per segment (its value passed as a default, not captured from the
URL): a segment is not a tenant's object, so no URL takes it as an id.
"""

from django.urls import path

from accounts.models import Segment

from . import admin_views

urlpatterns = [
    *[path(f"{s}/", admin_views.model_edit, {"segment": s}, name="model_edit") for s in Segment.values],
    *[path(f"{s}/remove/", admin_views.model_remove, {"segment": s}, name="model_remove") for s in Segment.values],
    # Last, so that reversing model_edit without a segment finds the all-segments page.
    path("", admin_views.model_edit, {"segment": ""}, name="model_edit"),
    path("backtest/", admin_views.backtest_report, name="backtest"),
    path("preview/", admin_views.model_preview, name="model_preview"),
    path("recompute/", admin_views.recompute, name="recompute"),
    path("recompute/<int:recompute_run_id>/progress/", admin_views.recompute_progress, name="recompute_progress"),
]
