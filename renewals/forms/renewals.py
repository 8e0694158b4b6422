"""Forms of the renewals list and a renewal's page: the list's filters, the owner, the outcome. Plain forms:
each hands its data to a service, which holds the rules; choices are the tenant's own people and reasons."""

from django import forms

from accounts.models import Segment
from accounts.selectors import assignable_owners
from core.web import OWNER_ALL, OWNER_ME
from tenancy.models import Tenant

from .. import services
from ..models import Forecast, Lever, Outcome, OutcomeReason
from . import SMALL_INPUT, SMALL_SELECT

WINDOWS = [("30", "Next 30 days"), ("60", "Next 60 days"), ("90", "Next 90 days"), ("180", "Next 180 days")]
OVERDUE = "overdue"
DEFAULT_WINDOW = "90"


def owner_choices(tenant: Tenant) -> list[tuple[str, str]]:
    return [(str(u.pk), str(u)) for u in assignable_owners(tenant=tenant)]


class RenewalFilterForm(forms.Form):
    """The renewals list: a window (or overdue), and filters; `owner` is "me", "all" or a user id."""

    window = forms.ChoiceField(required=False, choices=[*WINDOWS, (OVERDUE, "Overdue")])
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(attrs={**SMALL_INPUT, "type": "search"}))
    owner = forms.ChoiceField(required=False, label="Owner", widget=forms.Select(attrs=SMALL_SELECT))
    segment = forms.ChoiceField(
        required=False, choices=[("", "Any segment"), *Segment.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    forecast = forms.ChoiceField(
        required=False, choices=[("", "Any forecast"), *Forecast.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    flagged = forms.BooleanField(required=False, label="Flagged for review only")
    quarter = forms.ChoiceField(required=False, choices=[("this", "This quarter"), ("next", "Next quarter")])
    sort = forms.ChoiceField(
        required=False, choices=[(s, s) for s in ("due", "-due", "arr", "-arr", "health", "-health")]
    )

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["owner"].choices = [
            (OWNER_ALL, "Everyone's renewals"),
            (OWNER_ME, "My renewals"),
            *owner_choices(tenant),
        ]


class AssignForm(forms.Form):
    owner = forms.TypedChoiceField(label="Owner", coerce=int, widget=forms.Select(attrs=SMALL_SELECT))

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["owner"].choices = owner_choices(tenant)


class OutcomeForm(forms.Form):
    """How the renewal ended. The service checks what each outcome needs (a reason for a churn, a lower
    ARR for a contraction...); the reasons are the tenant's, each marked with what it applies to."""

    # Empty: the new ARR against the ARR up for renewal says renewed, expanded or contracted.
    outcome = forms.ChoiceField(
        required=False, choices=[("", "From the new ARR"), *Outcome.choices], help_text="Churned needs no new ARR."
    )
    new_arr = forms.DecimalField(
        label="New ARR",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="Empty: the ARR up for renewal.",
    )
    term_months = forms.IntegerField(label="New term (months)", required=False, min_value=1, max_value=120)
    new_seats = forms.IntegerField(label="Seats", required=False, min_value=0)
    reason = forms.TypedChoiceField(label="Churn or contraction reason", required=False, coerce=int, empty_value=None)
    levers = forms.MultipleChoiceField(
        label="Levers used", required=False, choices=Lever.choices, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    closed_on = forms.DateField(
        label="Closed on", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Empty: today."
    )

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.reasons = services.outcome_reasons(tenant=tenant)
        self.fields["reason"].choices = [("", "No reason"), *[(r.pk, r.label) for r in self.reasons]]

    def reason_object(self) -> OutcomeReason | None:
        wanted = self.cleaned_data.get("reason")
        return next((r for r in self.reasons if r.pk == wanted), None)
