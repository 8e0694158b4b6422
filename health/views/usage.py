"""Health pages: the overview, the event catalogue, ingestion errors and ingestion settings."""

from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.web import apply_errors, get_or_404, member_required, safe_next
from tenancy.models import ApiKeyKind
from tenancy.permissions import Capability, membership_can
from tenancy.selectors import api_key_list

from ..forms.usage import EventDefinitionForm, IngestionSettingsForm
from ..selectors import usage as selectors
from ..services import usage as services

EVENTS_PER_PAGE = 50
ERRORS_PER_PAGE = 50


@member_required()
def index(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    return render(request, "health/index.html", {"overview": selectors.usage_overview(tenant=tenant)})


@member_required()
def event_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    page = Paginator(selectors.event_definition_list(tenant=request.tenant, query=query), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    may_change = membership_can(request.membership, Capability.CONFIGURE)
    rows = [
        (d, EventDefinitionForm.for_definition(d, prefix=f"e{d.pk}") if may_change else None) for d in page.object_list
    ]
    return render(
        request, "health/event_list.html", {"page": page, "rows": rows, "query": query, "may_change": may_change}
    )


@member_required(Capability.CONFIGURE)
def event_edit(request: HttpRequest, event_definition_id: int) -> HttpResponse:
    definition = get_or_404(
        selectors.event_definition_get, tenant=request.tenant, event_definition_id=event_definition_id
    )
    # The catalogue's rows post with a per-row prefix; this page posts without one.
    prefix = f"e{definition.pk}" if f"e{definition.pk}-points" in request.POST else None
    form = EventDefinitionForm.for_definition(definition, request.POST or None, prefix=prefix)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_definition_update(definition=definition, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved {definition.name}: {form.cleaned_data['points']} points per event.")
            back = safe_next(request)
            if prefix and back:
                return redirect(back)
            return redirect("health:event_list")
    return render(request, "health/event_edit.html", {"definition": definition, "form": form})


@member_required(Capability.MANAGE)
def ingestion_errors(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.ingestion_error_list(tenant=request.tenant), ERRORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "health/ingestion_errors.html", {"page": page})


@member_required(Capability.CONFIGURE)
def ingestion_settings(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    current = selectors.ingestion_settings_for(tenant=tenant)
    form = IngestionSettingsForm.for_settings(current, selectors.group_trait_mapping(current), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ingestion_settings_update(tenant=tenant, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Ingestion settings saved.")
            return redirect("health:ingestion_settings")
    site = urlsplit(django_settings.SITE_URL.rstrip("/"))
    active_keys = api_key_list(tenant=tenant, kind=ApiKeyKind.WRITE_KEY).filter(revoked_at__isnull=True)
    return render(
        request,
        "health/ingestion_settings.html",
        {
            "form": form,
            "data_plane_url": site.geturl(),
            "data_plane_host": site.netloc + site.path,
            "data_plane_scheme": site.scheme or "https",
            "write_key_prefix": (active_keys.values_list("prefix", flat=True).first() or "psw_…") + "…",
            "write_key_count": active_keys.count(),
        },
    )
