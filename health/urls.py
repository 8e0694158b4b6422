"""Health's pages, all under the `health` namespace (the overview, the event catalogue, ingestion errors and
settings, the records' timeline and import, the health model, the scores and signals), and the tracking API's
paths (`tracking_urlpatterns`, the `ingestion` namespace, which config/urls.py mounts under /v1/)."""

from django.urls import include, path, re_path

from accounts.models import Segment

from .views import ingestion, model, records, scores, usage

app_name = "health"

# The records: an account's timeline, the import and its jobs (their names keep the first word, "signal").
record_urlpatterns = [
    path("accounts/<int:account_id>/timeline/", records.account_timeline, name="account_timeline"),
    path("import/", records.record_import, name="signal_import"),
    path("import/<int:record_import_id>/", records.record_import_job, name="signal_import_job"),
    path("import/<int:record_import_id>/progress/", records.record_import_progress, name="signal_import_progress"),
    path("import/<int:record_import_id>/rejected.csv", records.record_import_rejected, name="signal_import_rejected"),
]

# The health model. A segment's editor is one route per segment (its value passed as a default, not captured
# from the URL): a segment is not a tenant's object, so no URL takes it as an id.
model_urlpatterns = [
    *[path(f"{s}/", model.model_edit, {"segment": s}, name="model_edit") for s in Segment.values],
    *[path(f"{s}/remove/", model.model_remove, {"segment": s}, name="model_remove") for s in Segment.values],
    # Last, so that reversing model_edit without a segment finds the all-segments page.
    path("", model.model_edit, {"segment": ""}, name="model_edit"),
    path("backtest/", model.backtest_report, name="backtest"),
    path("preview/", model.model_preview, name="model_preview"),
    path("recompute/", model.recompute, name="recompute"),
    path("recompute/<int:recompute_run_id>/progress/", model.recompute_progress, name="recompute_progress"),
]

# An account's health, the rows behind a measure, and the tenant's signals.
score_urlpatterns = [
    path("accounts/<int:account_id>/", scores.account_health, name="account_health"),
    path("accounts/<int:account_id>/card/", scores.account_health_card, name="account_health_card"),
    path("accounts/<int:account_id>/recompute/", scores.account_health_recompute, name="account_health_recompute"),
    path("accounts/<int:account_id>/measures/<str:measure_key>/", scores.measure_events, name="measure_events"),
    path("signals/", scores.signal_list, name="signal_list"),
    path("signals/<int:health_signal_id>/", scores.signal_detail, name="signal"),
    path("signals/<int:health_signal_id>/task/", scores.signal_task, name="signal_task"),
]

urlpatterns = [
    path("", usage.index, name="index"),
    path("events/", usage.event_list, name="event_list"),
    path("events/<int:event_definition_id>/", usage.event_edit, name="event_edit"),
    path("ingestion-errors/", usage.ingestion_errors, name="ingestion_errors"),
    path("ingestion-settings/", usage.ingestion_settings, name="ingestion_settings"),
    path("signals/", include(record_urlpatterns)),
    path("model/", include(model_urlpatterns)),
    path("scores/", include(score_urlpatterns)),
]

# Segment's paths under /v1/, with or without a trailing slash (SDKs differ; a redirect would lose a POST).
tracking_urlpatterns = [
    re_path(r"^batch/?$", ingestion.batch, name="batch"),
    *[
        re_path(rf"^{kind}/?$", ingestion.single_call, {"kind": kind}, name=kind)
        for kind in ("track", "identify", "group", "page", "screen", "alias")
    ],
    # Anything else under /v1/ answers in the API's JSON shape too (an SDK logs it), never Django's HTML 404.
    re_path(r"^", ingestion.unknown_call),
]
