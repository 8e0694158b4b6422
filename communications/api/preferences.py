"""REST API of contacts' communication preferences (contact-preferences): per contact, the choice for every
message type (every message, a weekly or monthly digest, quarterly, none; transactional is always sent).

Viewers read; whoever may change the contact (its account's CSM, leaders, admins) sets a choice, through
the same service as the preference centre, recorded as a change with source `api`.
"""

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from accounts.models import Contact
from core.api import (
    NamedChoiceField,
    TenantFilterSet,
    TenantPrimaryKeyRelatedField,
    TenantViewSetMixin,
    require_edit,
    validated,
)

from .. import selectors
from ..models import ContactPreference, MessageType, PreferenceChange, PreferenceChoice
from ..services import preferences as preference_services
from .calendar import message_type_field, tenant_contacts


def preference_choice_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=PreferenceChoice.choices, enum_name="PreferenceChoiceEnum", **kwargs)


class PreferencesSerializer(serializers.Serializer):
    transactional = preference_choice_field(help_text="Always every message.")
    educational = preference_choice_field()
    relationship = preference_choice_field()
    promotional = preference_choice_field()
    operational = preference_choice_field()


class ContactPreferencesSerializer(serializers.ModelSerializer):
    contact = serializers.IntegerField(source="pk", read_only=True)
    preferences = serializers.SerializerMethodField(help_text="Every message type with the contact's choice.")

    class Meta:
        model = Contact
        fields = ["contact", "name", "email", "account", "preferences"]
        read_only_fields = fields

    @extend_schema_field(PreferencesSerializer)
    def get_preferences(self, contact: Contact) -> dict:
        # From the rows prefetched for the whole page.
        chosen = {row.message_type: row.choice for row in contact.communication_preferences.all()}
        return selectors.preferences_with_defaults(chosen)


class PreferenceChoiceSerializer(serializers.Serializer):
    message_type = message_type_field(help_text="Any type but transactional, which is always sent.")
    choice = preference_choice_field()


class PreferenceCreateSerializer(PreferenceChoiceSerializer):
    contact = TenantPrimaryKeyRelatedField(model=Contact, rows=tenant_contacts)


class ContactPreferencesFilter(TenantFilterSet):
    contact = filters.NumberFilter(field_name="id", help_text="A contact id.")
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    message_type = filters.ChoiceFilter(
        choices=MessageType.choices, method="filter_choice", help_text="With `choice`: who chose it for this type."
    )
    choice = filters.ChoiceFilter(
        choices=PreferenceChoice.choices,
        method="filter_choice",
        help_text="Contacts who made this choice (for `message_type` when given), e.g. none: unsubscribed.",
    )

    class Meta:
        model = Contact
        fields = ["contact", "account", "message_type", "choice"]

    def filter_choice(self, queryset, name, value):
        # Both parameters describe one preference row; applied once, when the second arrives or alone.
        wanted = {key: self.form.cleaned_data.get(key) for key in ("message_type", "choice")}
        rows = ContactPreference.objects.filter(tenant=self.request.tenant)
        if wanted["message_type"]:
            rows = rows.filter(message_type=wanted["message_type"])
        if wanted["choice"]:
            rows = rows.filter(choice=wanted["choice"])
        return queryset.filter(pk__in=rows.values("contact_id"))


class ContactPreferencesViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Each contact's preferences, by contact id. POST (with `contact`) or PUT on a contact sets one choice
    at once, exactly as the preference centre does; every change is recorded (source `api`)."""

    model = Contact
    serializer_class = ContactPreferencesSerializer
    filterset_class = ContactPreferencesFilter
    lookup_url_kwarg = "contact_id"
    http_method_names = ["get", "post", "put", "head", "options"]
    ordering_fields = ["name"]
    search_fields = ["name", "email"]

    def tenant_queryset(self, tenant) -> QuerySet[Contact]:
        rows = ContactPreference.objects.filter(tenant=tenant)
        return (
            Contact.objects.filter(tenant=tenant)
            .prefetch_related(Prefetch("communication_preferences", queryset=rows))
            .order_by("name", "id")
        )

    def _set(self, contact: Contact, data: dict) -> Response:
        require_edit(self.request, contact)
        preference_services.preference_set(
            contact=contact,
            message_type=data["message_type"],
            choice=data["choice"],
            source=PreferenceChange.Source.API,
            by=self.request.user,
        )
        contact = self.tenant_queryset(self.request.tenant).get(pk=contact.pk)
        return Response(self.get_serializer(contact).data)

    @extend_schema(request=PreferenceCreateSerializer, responses=ContactPreferencesSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(PreferenceCreateSerializer(data=request.data, context=self.get_serializer_context()))
        return self._set(data.pop("contact"), data)

    @extend_schema(request=PreferenceChoiceSerializer, responses=ContactPreferencesSerializer)
    def update(self, request, *args, **kwargs):
        contact = self.get_object()
        data = validated(PreferenceChoiceSerializer(data=request.data))
        return self._set(contact, data)
