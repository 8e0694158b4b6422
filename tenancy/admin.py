"""The operator's Django admin (staff only). It bypasses tenant scopes on purpose:
it is for whoever runs the installation, not for tenant admins (they use /admin/)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django_scopes import scopes_disabled

from . import services
from .models import ApiKey, Invitation, Membership, OutboxEvent, Tenant, User


class UnscopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        with scopes_disabled():
            return self.model.objects.all().select_related("tenant")

    def changeform_view(self, *args, **kwargs):
        with scopes_disabled():
            return super().changeform_view(*args, **kwargs)

    def changelist_view(self, *args, **kwargs):
        with scopes_disabled():
            return super().changelist_view(*args, **kwargs)

    def delete_view(self, *args, **kwargs):
        with scopes_disabled():
            return super().delete_view(*args, **kwargs)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "currency", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name", "last_tenant"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal: list[str] = []
    list_filter = ["is_active", "is_staff"]


@admin.register(Membership)
class MembershipAdmin(UnscopedAdmin):
    list_display = ["user", "tenant", "role", "team", "is_active"]
    list_filter = ["role", "team", "tenant"]
    raw_id_fields = ["user", "invited_by"]

    # The operator ends memberships here too: the same service takes the person's credentials.
    def save_model(self, request, obj, form, change):
        ends = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if ends:
            services.membership_end_credentials(membership=obj)

    def delete_model(self, request, obj):
        services.membership_end_credentials(membership=obj)
        super().delete_model(request, obj)

    # Django's bulk delete action, unlike its change and delete views, runs outside a transaction:
    # a receiver failing half-way must not leave some credentials ended and no membership removed.
    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("tenant", "user"):
            services.membership_end_credentials(membership=membership)
        super().delete_queryset(request, queryset)


@admin.register(Invitation)
class InvitationAdmin(UnscopedAdmin):
    list_display = ["email", "tenant", "role", "team", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "tenant"]
    readonly_fields = ["link_digest", "created_at", "sent_at", "accepted_at", "accepted_by"]
    raw_id_fields = ["invited_by"]


@admin.register(ApiKey)
class ApiKeyAdmin(UnscopedAdmin):
    list_display = ["name", "kind", "prefix", "tenant", "user", "last_used_at", "revoked_at"]
    list_filter = ["kind", "tenant"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
    raw_id_fields = ["user", "created_by"]


@admin.register(OutboxEvent)
class OutboxEventAdmin(UnscopedAdmin):
    """Announcements between apps (core.events): one that gave up stays here with its error."""

    list_display = ["name", "tenant", "created_at", "dispatched_at", "attempts", "retry_at"]
    list_filter = ["name"]
    readonly_fields = ["name", "payload", "created_at", "dispatched_at", "attempts", "last_error", "done"]
