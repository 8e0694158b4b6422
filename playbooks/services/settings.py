"""The tenant's limits on automation: the daily cap of runs that take actions."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tenancy.models import Tenant

from ..models import PlaybookSettings

MAX_DAILY_CAP = 100_000


def playbook_settings(*, tenant: Tenant) -> PlaybookSettings:
    """The tenant's settings, made with the defaults on first use (so it sits with the writes)."""
    found = PlaybookSettings.objects.filter(tenant=tenant).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return PlaybookSettings.objects.create(tenant=tenant)
    except IntegrityError:  # made by a concurrent first use
        return PlaybookSettings.objects.get(tenant=tenant)


def playbook_settings_update(*, tenant: Tenant, daily_cap: int) -> PlaybookSettings:
    if isinstance(daily_cap, bool) or not isinstance(daily_cap, int) or not 0 <= daily_cap <= MAX_DAILY_CAP:
        raise ValidationError({"daily_cap": [f"A number of runs from 0 (none act) to {MAX_DAILY_CAP:,}."]})
    settings = playbook_settings(tenant=tenant)
    settings.daily_cap = daily_cap
    settings.save(update_fields=["daily_cap"])
    return settings
