"""Accepting an invitation as someone new."""

from django import forms


class InvitationAcceptForm(forms.Form):
    """A new person accepting an invitation: the address is the invited one, the rest is theirs to choose."""

    full_name = forms.CharField(max_length=150, label="Your name")
    password1 = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return cleaned
