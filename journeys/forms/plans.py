"""Forms of success plans. Plain forms: the services validate and save, so a failed rule never
leaves an instance half-changed."""

from django import forms

from accounts.models import Account
from accounts.selectors import assignable_owners
from tenancy.models import Tenant

from ..models import Milestone, Objective, ObjectiveStatus

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AMOUNT = {"max_digits": 14, "decimal_places": 2}


class ObjectiveForm(forms.Form):
    title = forms.CharField(
        max_length=200, help_text='The outcome in the customer\'s words, e.g. "Close the books faster".'
    )
    metric = forms.CharField(
        max_length=120, help_text='The business metric that shows it, e.g. "Invoice processing time".'
    )
    unit = forms.CharField(max_length=24, required=False, help_text='"hours", "%", "EUR"...')
    baseline = forms.DecimalField(**AMOUNT, help_text="Where the metric stood when the plan was agreed.")
    target = forms.DecimalField(
        **AMOUNT, help_text="Where it should be by the due date; lower than the baseline when lower is better."
    )
    due_on = forms.DateField(required=False, widget=DATE_INPUT, label="Due by")
    source = forms.CharField(
        max_length=200, required=False, label="Data source", help_text='Where the number comes from, e.g. "ERP export".'
    )
    calculation = forms.CharField(
        max_length=300, required=False, help_text='How it is computed, e.g. "median hours from receipt to approval".'
    )
    owner = forms.ModelChoiceField(queryset=None, required=False, help_text="Who answers for this outcome.")
    status = forms.ChoiceField(
        choices=ObjectiveStatus.choices,
        initial=ObjectiveStatus.NOT_STARTED,
        help_text="Measurements move it to in progress and achieved; at risk and missed are yours to set.",
    )

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        # Choices from this tenant only.
        self.fields["owner"].queryset = assignable_owners(tenant=tenant)

    @classmethod
    def for_objective(cls, objective: Objective, data=None) -> "ObjectiveForm":
        initial = {name: getattr(objective, name) for name in cls.base_fields if name != "owner"}
        initial["owner"] = objective.owner_id
        return cls(data, tenant=objective.tenant, initial=initial)


class MeasurementForm(forms.Form):
    value = forms.DecimalField(**AMOUNT)
    measured_on = forms.DateField(widget=DATE_INPUT, label="Measured on")
    note = forms.CharField(max_length=300, required=False, help_text="What was measured, and anything unusual.")


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_on = forms.DateField(widget=DATE_INPUT, label="Due on")
    objective = forms.ModelChoiceField(
        queryset=None, required=False, help_text="The objective this step moves forward, if any."
    )
    done_on = forms.DateField(required=False, widget=DATE_INPUT, label="Done on")
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, data=None, *, account: Account, **kwargs):
        super().__init__(data, **kwargs)
        # Only this account's objectives: a milestone belongs to one plan.
        self.fields["objective"].queryset = Objective.objects.filter(tenant=account.tenant, account=account)

    @classmethod
    def for_milestone(cls, milestone: Milestone, data=None) -> "MilestoneForm":
        initial = {name: getattr(milestone, name) for name in ("title", "due_on", "done_on", "note")}
        initial["objective"] = milestone.objective_id
        return cls(data, account=milestone.account, initial=initial)


class ObjectiveFilterForm(forms.Form):
    # The book view's own filter, parsed once here for the page.
    status = forms.ChoiceField(choices=[("", "Any status"), *ObjectiveStatus.choices], required=False)
    csm = forms.ModelChoiceField(queryset=None, required=False, label="Account CSM", empty_label="Any CSM")
    owner = forms.ModelChoiceField(queryset=None, required=False, label="Objective owner", empty_label="Anyone")
    due_within = forms.IntegerField(
        min_value=0, max_value=3650, required=False, label="Due within (days)", help_text="Overdue ones included."
    )
    overdue = forms.BooleanField(required=False, label="Overdue only")

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        people = assignable_owners(tenant=tenant)
        self.fields["csm"].queryset = people
        self.fields["owner"].queryset = people
