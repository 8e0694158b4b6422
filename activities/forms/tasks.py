"""Forms of tasks: a new or changed task, closing and snoozing one, the inbox's filters and its bulk bar.
Every choice of an account or a person is limited to the tenant: another tenant's id is not a valid choice."""

from django import forms

from accounts.models import Account
from accounts.selectors import assignable_owners
from tenancy.models import Membership, Tenant, User
from tenancy.permissions import may_assign_to

from ..models import Priority, TaskKind, TaskSource
from ..services.tasks import BULK_ACTIONS
from . import DATE_INPUT, SMALL_INPUT, SMALL_SELECT

OWNER_ME, OWNER_ALL, OWNER_NONE = "me", "all", "none"


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name or obj.email


class TaskForm(forms.Form):
    """A task made or changed by hand. The owner follows may_assign_to: a CSM takes it or leaves it unassigned."""

    title = forms.CharField(max_length=200)
    details = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(choices=TaskKind.choices, initial=TaskKind.TO_DO)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    due_on = forms.DateField(label="Due", widget=DATE_INPUT)
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, empty_label="No account (internal)"
    )
    owner = OwnerChoiceField(queryset=User.objects.none(), required=False, empty_label="Unassigned")

    def __init__(self, *args, tenant: Tenant, membership: Membership, with_owner: bool = True, **kwargs):
        # Its own ids: the inbox and the account card show it beside the note form and the filters.
        kwargs.setdefault("auto_id", "task_%s")
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["account"].queryset = Account.objects.filter(tenant=tenant).order_by("name")
        self.fields["owner"].queryset = assignable_owners(tenant=tenant)
        if not with_owner:
            del self.fields["owner"]

    def clean_owner(self):
        owner = self.cleaned_data.get("owner")
        if not may_assign_to(self.membership, owner):
            raise forms.ValidationError("Take the task yourself or leave it unassigned: a leader gives work to others.")
        return owner


class TaskCloseForm(forms.Form):
    status = forms.ChoiceField(choices=[("done", "Done"), ("skipped", "Skipped")], initial="done")
    note = forms.CharField(max_length=1000, required=False)


class TaskSnoozeForm(forms.Form):
    until = forms.DateField(widget=DATE_INPUT)


class TaskReassignForm(forms.Form):
    owner = OwnerChoiceField(queryset=User.objects.none(), required=False, empty_label="Unassigned")

    def __init__(self, *args, tenant: Tenant, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["owner"].queryset = assignable_owners(tenant=tenant)

    def clean_owner(self):
        owner = self.cleaned_data.get("owner")
        if not may_assign_to(self.membership, owner):
            raise forms.ValidationError("Only a CS leader or an admin gives a task to someone else.")
        return owner


class InboxFilterForm(forms.Form):
    """The inbox's filters, all in the URL. `owner` is for leaders and admins: "me", "all", "none"
    (unassigned) or a person of the tenant."""

    owner = forms.ChoiceField(required=False, widget=forms.Select(attrs={**SMALL_SELECT, "data-autosubmit": ""}))
    account = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, widget=forms.Select(attrs={**SMALL_SELECT, "data-autosubmit": ""})
    )
    source = forms.ChoiceField(
        required=False,
        choices=[("", "Any source"), *TaskSource.choices],
        widget=forms.Select(attrs={**SMALL_SELECT, "data-autosubmit": ""}),
    )
    priority = forms.ChoiceField(
        required=False,
        choices=[("", "Any priority"), *Priority.choices],
        widget=forms.Select(attrs={**SMALL_SELECT, "data-autosubmit": ""}),
    )

    def __init__(self, *args, people: list[tuple[int, str]], accounts: list[tuple[int, str]], **kwargs):
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        for name, label in (
            ("owner", "Whose tasks"),
            ("account", "Account"),
            ("source", "Source"),
            ("priority", "Priority"),
        ):
            self.fields[name].widget.attrs["aria-label"] = label
        self.fields["owner"].choices = [
            (OWNER_ME, "My tasks"),
            (OWNER_ALL, "Everyone's tasks"),
            (OWNER_NONE, "Unassigned"),
            *[(str(pk), name) for pk, name in people],
        ]
        self.fields["account"].choices = [("", "Any account"), *[(str(pk), name) for pk, name in accounts]]


class BulkForm(forms.Form):
    """The inbox's bulk bar: one action on the ticked tasks (ids checked against the tenant by the view)."""

    action = forms.ChoiceField(choices=[(action, action) for action in BULK_ACTIONS])
    task = forms.TypedMultipleChoiceField(coerce=int, required=True, error_messages={"required": "Tick a task first."})
    note = forms.CharField(max_length=1000, required=False, widget=forms.TextInput(attrs=SMALL_INPUT))
    until = forms.DateField(required=False, widget=DATE_INPUT)
    owner = OwnerChoiceField(queryset=User.objects.none(), required=False, empty_label="Unassigned")

    def __init__(self, *args, tenant: Tenant, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["owner"].queryset = assignable_owners(tenant=tenant)
        # Any id parses here; the view keeps only the tenant's tasks the member may change.
        self.fields["task"].valid_value = lambda value: True  # type: ignore[method-assign]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "snooze" and not data.get("until"):
            self.add_error("until", "Say until which day.")
        if action == "reassign" and not may_assign_to(self.membership, data.get("owner")):
            self.add_error("owner", "Only a CS leader or an admin gives tasks to someone else.")
        return data
