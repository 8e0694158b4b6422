"""Segment's paths under /v1/, with or without a trailing slash (SDKs differ; a redirect would lose a POST)."""

from django.urls import re_path

from . import views

app_name = "ingestion"

urlpatterns = [
    re_path(r"^batch/?$", views.batch, name="batch"),
    *[
        re_path(rf"^{kind}/?$", views.single_call, {"kind": kind}, name=kind)
        for kind in ("track", "identify", "group", "page", "screen", "alias")
    ],
    # Anything else under /v1/ answers in the API's JSON shape too (an SDK logs it), never Django's HTML 404.
    re_path(r"^", views.unknown_call),
]
