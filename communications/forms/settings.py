"""Forms of the communication settings: general settings, blackout rules and frequency caps."""

from django import forms

from ..models import BlackoutKind, MessageType


class SettingsForm(forms.Form):
    bulk_threshold = forms.IntegerField(
        label="Bulk threshold",
        min_value=1,
        max_value=1_000_000,
        help_text="A send to more recipients than this needs a leader's or an admin's approval.",
    )
    send_hour = forms.IntegerField(
        label="Send hour", min_value=0, max_value=23, help_text="Deferred messages go out at this local hour."
    )
    slack_webhook_url = forms.URLField(
        label="Slack webhook URL",
        required=False,
        assume_scheme="https",
        help_text="A Slack incoming webhook (https://hooks.slack.com/services/…) for CSM alerts.",
    )
    teams_per_week = forms.IntegerField(
        label="Teams per person and week",
        min_value=2,
        max_value=10,
        required=False,
        help_text="A contact hearing from this many teams in one week is flagged as a conflict on the calendar.",
    )
    remove_slack_webhook = forms.BooleanField(label="Remove the Slack webhook", required=False)
    notify_by_email = forms.BooleanField(label="Also email alerts to the account's CSM", required=False)

    def __init__(self, *args, webhook_masked: str = "", may_configure: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The webhook URL lets anyone post to the channel: it is never sent to the browser, even to
        # an admin, who sees it masked and replaces it by typing a new one. Others do not see it at all.
        if not may_configure:
            del self.fields["slack_webhook_url"], self.fields["remove_slack_webhook"]
            return
        self.fields["slack_webhook_url"].initial = ""
        if webhook_masked:
            self.fields[
                "slack_webhook_url"
            ].help_text = (
                f"Alerts go to {webhook_masked}. Leave this empty to keep it, or paste a new webhook to replace it."
            )
        else:
            del self.fields["remove_slack_webhook"]

    def settings_changes(self) -> dict:
        """The fields to save: an empty webhook keeps the saved one (the form never shows it)."""
        changes = {k: v for k, v in self.cleaned_data.items() if k not in ("slack_webhook_url", "remove_slack_webhook")}
        if changes.get("teams_per_week") is None:
            changes.pop("teams_per_week", None)  # left empty: the saved limit stays
        if self.cleaned_data.get("remove_slack_webhook"):
            changes["slack_webhook_url"] = ""
        elif self.cleaned_data.get("slack_webhook_url"):
            changes["slack_webhook_url"] = self.cleaned_data["slack_webhook_url"]
        return changes


class BlackoutRuleForm(forms.Form):
    """One blackout rule; the settings page shows one per kind, with the kind as the form's prefix."""

    is_active = forms.BooleanField(label="In use", required=False)
    message_types = forms.MultipleChoiceField(
        label="Holds back",
        choices=[c for c in MessageType.choices if c[0] != MessageType.TRANSACTIONAL],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    window_days = forms.IntegerField(
        label="Window (days before the renewal)", min_value=1, max_value=365, required=False
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, prefix=kind, **kwargs)
        self.kind = kind
        self.label = BlackoutKind(kind).label
        if kind != BlackoutKind.RENEWAL_NEGOTIATION:
            # Only a negotiation has a window; a P1 ticket holds while it is open.
            del self.fields["window_days"]


class FrequencyCapsForm(forms.Form):
    """Per channel, at most this many non-transactional messages per contact a week and a month."""

    def __init__(self, *args, channels: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.channels = channels
        for channel, label in channels:
            self.fields[f"{channel}_week"] = forms.IntegerField(
                label=f"{label}: per week", min_value=1, max_value=100, required=False
            )
            self.fields[f"{channel}_month"] = forms.IntegerField(
                label=f"{label}: per month", min_value=1, max_value=400, required=False
            )

    def rows(self):
        """(channel, label, week field, month field) for the table."""
        return [(c, label, self[f"{c}_week"], self[f"{c}_month"]) for c, label in self.channels]
