"""Forms of the journey pages. Plain forms: each hands its data to a service, which holds the rules."""

from django import forms

from accounts.models import Segment
from accounts.selectors import assignable_owners
from accounts.services.tiers import service_tiers
from core.web import OWNER_ALL, OWNER_ME
from tenancy.models import Tenant

from .criteria import RULES, CriterionState
from .models import CriterionKind, FlagKind, FlagStatus, RegressionReason, ScopeKind, Stage, TrackStatus

SMALL_SELECT = {"class": "form-select form-select-sm"}
SMALL_INPUT = {"class": "form-control form-control-sm"}


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


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *FlagStatus.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", "Any kind"), *FlagKind.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    owner = forms.ChoiceField(
        required=False,
        label="Accounts",
        choices=[(OWNER_ALL, "Everyone's accounts"), (OWNER_ME, "My accounts")],
        widget=forms.Select(attrs=SMALL_SELECT),
    )


class FlagConfirmForm(forms.Form):
    to_stage = forms.ChoiceField(required=False, choices=[("", "The suggested stage"), *Stage.choices])
    note = forms.CharField(max_length=300, required=False)


class FlagDismissForm(forms.Form):
    note = forms.CharField(max_length=300, required=False)


class ExitCriterionForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)
    label = forms.CharField(max_length=160)
    kind = forms.ChoiceField(choices=CriterionKind.choices)
    rule = forms.ChoiceField(
        required=False,
        choices=[("", "— (manual)")] + [(key, label) for key, (label, _) in RULES.items()],
        help_text="For data criteria: what the data must show.",
    )
    threshold = forms.DecimalField(required=False, max_digits=8, decimal_places=2)
    help_text = forms.CharField(max_length=300, required=False)
    is_active = forms.BooleanField(label="In use", required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The key came from the label at creation and never changes; neither does the stage.
            del self.fields["stage"]


class ExpectationsForm(forms.Form):
    """The stage x segment grid of expected days: min_<stage>_<segment> and max_<stage>_<segment>."""

    def __init__(self, data=None, *, bounds: dict[tuple[str, str], tuple[int, int | None]], **kwargs):
        super().__init__(data, **kwargs)
        self.rows = []
        for stage, stage_label in Stage.choices:
            cells = []
            for segment, segment_label in Segment.choices:
                low, high = bounds.get((stage, segment), (0, None))
                label = f"{stage_label}, {segment_label}"
                low_name, high_name = f"min_{stage}_{segment}", f"max_{stage}_{segment}"
                self.fields[low_name] = forms.IntegerField(
                    min_value=0, initial=low, label=f"{label}: at least", widget=forms.NumberInput(attrs=SMALL_INPUT)
                )
                self.fields[high_name] = forms.IntegerField(
                    min_value=0,
                    required=False,
                    initial=high,
                    label=f"{label}: at most (empty = ongoing)",
                    widget=forms.NumberInput(attrs=SMALL_INPUT),
                )
                cells.append((segment, self[low_name], self[high_name]))
            self.rows.append((stage_label, cells))

    def cells(self):
        """(stage, segment, min, max) for every cell; call after is_valid()."""
        for stage in Stage.values:
            for segment in Segment.values:
                yield (
                    stage,
                    segment,
                    self.cleaned_data[f"min_{stage}_{segment}"],
                    self.cleaned_data.get(f"max_{stage}_{segment}"),
                )
