"""Inviting a member and changing one."""

from django import forms

from tenancy.models import Membership, Role, Team


class MembershipInviteForm(forms.Form):
    email = forms.EmailField(help_text="They get a link by email and become a member when they accept it.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CSM)
    team = forms.ChoiceField(choices=Team.choices, initial=Team.CUSTOMER_SUCCESS)


class MembershipForm(forms.Form):
    # A plain form: a ModelForm would change the membership before the service
    # checks the change against what it was (the last admin must stay admin).
    role = forms.ChoiceField(choices=Role.choices)
    team = forms.ChoiceField(choices=Team.choices)
    is_active = forms.BooleanField(required=False, label="Active (may sign in to this tenant)")

    @classmethod
    def for_membership(cls, membership: Membership, data=None) -> "MembershipForm":
        return cls(data, initial={"role": membership.role, "team": membership.team, "is_active": membership.is_active})
