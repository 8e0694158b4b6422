"""The form of a contact of an account."""

from django import forms

from ..models import ContactRole


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    title = forms.CharField(max_length=120, required=False)
    external_id = forms.CharField(
        max_length=255,
        required=False,
        label="External id",
        help_text="The Segment userId when this person uses the product.",
    )
    roles = forms.MultipleChoiceField(choices=ContactRole.choices, required=False, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    @classmethod
    def for_contact(cls, contact, data=None) -> "ContactForm":
        initial = {
            "name": contact.name,
            "email": contact.email,
            "title": contact.title,
            "external_id": contact.external_id,
            "roles": contact.role_list,
            "is_active": contact.is_active,
        }
        return cls(data, initial=initial)
