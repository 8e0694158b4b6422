"""Forms of the cadence pages. Plain forms: each hands its data to a service, which holds the rules."""

from django import forms

from accounts.models import ContactRole
from health.peers import Band
from tenancy.models import Team, Tenant

from ..composing.merge import MERGE_FIELDS
from ..models import Cadence, CadenceStep, Channel, EnrollmentStatus, MessageType
from .calendar import SMALL_SELECT
from .entries import format_fallbacks

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FallbacksField(forms.CharField):
    """One `field = text` a line: {"contact.first_name": "there"}."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value) -> dict:
        found = {}
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, text = line.partition("=")
            if not sep or not name.strip() or not text.strip():
                raise forms.ValidationError(f"Line {number}: write a fallback as contact.first_name = there.")
            found[name.strip()] = text.strip()
        return found


class CadenceForm(forms.ModelForm):
    health_bands = forms.MultipleChoiceField(
        required=False,
        choices=Band.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only accounts in these bands are enrolled by other apps' events; none ticked: any account.",
    )

    class Meta:
        model = Cadence
        fields = ["name", "description", "trigger", "health_bands", "is_active"]
        help_texts = {
            "trigger": "The journey stage (onboarding, adoption...) or the health signal kind (expansion) that "
            "enrols accounts; empty: enrolment by hand, or every renewal for a renewal-date cadence.",
        }


class CadenceStepForm(forms.ModelForm):
    fallbacks = FallbacksField(
        required=False, help_text="One a line, e.g. contact.first_name = there. Used when a recipient has no value."
    )

    class Meta:
        model = CadenceStep
        fields = [
            "offset_days",
            "send_hour",
            "message_type",
            "channel",
            "team",
            "audience_role",
            "subject",
            "body",
            "fallbacks",
        ]
        labels = {"offset_days": "Day", "send_hour": "Hour (local)", "audience_role": "Audience"}
        help_texts = {
            "offset_days": "Days from the anchor; negative before it (a renewal's T-90 is -90).",
            "audience_role": "Empty: the account's champions and power users, else everyone active.",
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["send_hour"].widget.attrs.update({"min": 0, "max": 23})
        self.fields["audience_role"].choices = [("", "Champions and power users"), *ContactRole.choices]
        self.fields["message_type"].choices = MessageType.choices
        self.fields["channel"].choices = Channel.choices
        self.fields["team"].choices = Team.choices
        if self.instance.pk and not self.is_bound:
            self.initial["fallbacks"] = format_fallbacks(self.instance.fallbacks)

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self):
        # The service validates and saves; the form does not write into the instance early.
        pass


class EnrollmentFilterForm(forms.Form):
    cadence = forms.ChoiceField(required=False, widget=forms.Select(attrs=SMALL_SELECT))
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *EnrollmentStatus.choices],
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    account = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data=None, *, cadences, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["cadence"].choices = [("", "Every cadence")] + [(str(c.pk), c.name) for c in cadences]


class EnrolForm(forms.Form):
    cadence = forms.ModelChoiceField(queryset=Cadence.objects.none(), empty_label=None)
    anchor_on = forms.DateField(
        label="Anchor date",
        widget=DATE_INPUT,
        help_text="The day the steps count from: the stage entered, the renewal date, the contract start...",
    )

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["cadence"].queryset = Cadence.objects.filter(tenant=tenant, is_active=True).order_by("name")


class ExitForm(forms.Form):
    reason = forms.CharField(
        max_length=250,
        widget=forms.TextInput(attrs={"placeholder": "e.g. The customer asked for fewer emails"}),
        help_text="Shown on every message the exit cancels.",
    )


def merge_field_help() -> list[tuple[str, str]]:
    """The merge fields for the step form's reference list."""
    return [("{{ " + name + " }}", text) for name, text in MERGE_FIELDS.items()]
