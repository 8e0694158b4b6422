"""Forms of the board's filters and of an account's tracks: start, rename, end, move, tick
a criterion. Plain forms: each hands its data to a service, which holds the rules."""

from django import forms

from accounts.models import Segment
from accounts.selectors import assignable_owners
from accounts.selectors.tiers import service_tiers
from core.web import OWNER_ALL, OWNER_ME
from tenancy.models import Tenant

from ..models import CriterionKind, RegressionReason, ScopeKind, Stage, TrackStatus
from ..selectors.criteria import CriterionState
from . import SMALL_INPUT, SMALL_SELECT


class TrackFilterForm(forms.Form):
    """The board's and the list's filters; `owner` is "me", "all" or a user id."""

    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(attrs={**SMALL_INPUT, "type": "search"}))
    segment = forms.ChoiceField(
        required=False, choices=[("", "Any segment"), *Segment.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    tier = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=forms.Select(attrs=SMALL_SELECT))
    owner = forms.ChoiceField(required=False, label="CSM", widget=forms.Select(attrs=SMALL_SELECT))
    status = forms.ChoiceField(required=False, widget=forms.Select(attrs=SMALL_SELECT))
    stage = forms.ChoiceField(
        required=False, choices=[("", "Any stage"), *Stage.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )

    def __init__(self, data=None, *, tenant: Tenant, with_ended: bool = False, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["tier"].choices = [("", "Any tier")] + [(t.pk, t.name) for t in service_tiers(tenant=tenant)]
        self.fields["owner"].choices = [(OWNER_ALL, "Everyone's accounts"), (OWNER_ME, "My accounts")] + [
            (str(u.pk), str(u)) for u in assignable_owners(tenant=tenant)
        ]
        statuses = [c for c in TrackStatus.choices if with_ended or c[0] != TrackStatus.ENDED]
        self.fields["status"].choices = [("", "Any status"), *statuses]


class TrackForm(forms.Form):
    name = forms.CharField(max_length=120, help_text='The product, department or use case, e.g. "Finance department".')
    scope_kind = forms.ChoiceField(label="Scope", choices=ScopeKind.choices)
    stage = forms.ChoiceField(
        choices=Stage.choices, initial=Stage.ONBOARDING, help_text="Where this part of the account stands today."
    )


class TrackEditForm(forms.Form):
    name = forms.CharField(max_length=120)
    scope_kind = forms.ChoiceField(label="Scope", choices=ScopeKind.choices)


class TrackEndForm(forms.Form):
    reason_text = forms.CharField(
        label="Why does the track end?", max_length=300, help_text="e.g. The department stopped using the product."
    )


class TransitionForm(forms.Form):
    """A move: the target stage, the reasons its kind needs, and ticks for the current stage's manual criteria."""

    to_stage = forms.ChoiceField(label="Move to", choices=Stage.choices)
    ticks = forms.TypedMultipleChoiceField(
        label="Exit criteria", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.ChoiceField(
        label="Why is it moving back?", required=False, choices=[("", "Choose a reason"), *RegressionReason.choices]
    )
    reason_text = forms.CharField(label="Reason", max_length=300, required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        label="Override unmet criteria",
        max_length=300,
        required=False,
        help_text="Only when moving on although some criteria are not met: say why.",
    )

    def __init__(self, data=None, *, checklist: list[CriterionState], **kwargs):
        super().__init__(data, **kwargs)
        self.checklist = checklist
        # Only a person's criteria take a tick here; data criteria follow the data.
        self.fields["ticks"].choices = [
            (s.criterion.pk, s.criterion.label) for s in checklist if s.criterion.kind == CriterionKind.MANUAL
        ]


class CriterionToggleForm(forms.Form):
    checked = forms.BooleanField(required=False)
    objective = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, data=None, *, objectives, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["objective"].choices = [("", "Any objective")] + [(o.pk, o.title) for o in objectives]
