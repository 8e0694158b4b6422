"""The health model editor's forms: a weight and a curve per measure, bands, the power-user share,
custom measures (a small formset) and a note. Text the admin typed is parsed here; the rules of a
valid model live in services.health_model_validate."""

import re

from django import forms
from django.core.exceptions import ValidationError

from ..models import HealthModel
from ..scoring.measures import BY_KEY, FAMILY_LABELS, MEASURES, OPS, Measure

CURVE_HELP = "raw:points pairs, e.g. 0:0, 0.4:40, 0.7:100 (linear in between, flat beyond the ends)"
RULES_HELP = "One rule a line or separated by ';', first match wins: >= 10 : 100; >= 3 : 50; = gold : 80"
RULE = re.compile(r"^\s*(>=|<=|!=|>|<|=)\s*(.+?)\s*:\s*([-+]?\d+(?:\.\d+)?)\s*$")
SOURCES = [("field", "Account field"), ("custom_field", "Custom field"), ("metric", "Metric (event count, 30 days)")]


def curve_format(curve) -> str:
    return ", ".join(f"{_num(x)}:{_num(y)}" for x, y in curve)


def _num(value) -> str:
    return f"{float(value):g}"


def curve_parse(label: str, text: str) -> list[list[float]]:
    pairs = [p.strip() for p in re.split(r"[,;\n]", text or "") if p.strip()]
    curve = []
    for pair in pairs:
        raw, sep, points = pair.partition(":")
        try:
            if not sep:
                raise ValueError
            curve.append([float(raw), float(points)])
        except ValueError:
            raise ValidationError(f"{label}: {pair!r} is not a raw:points pair ({CURVE_HELP}).") from None
    # How many points, their range and order are the service's rules (health_model_validate).
    return curve


def rules_format(rules) -> str:
    return "; ".join(f"{r['op']} {_value_text(r.get('value'))} : {_num(r['points'])}" for r in rules or [])


def _value_text(value) -> str:
    return _num(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def rules_parse(label: str, text: str) -> list[dict]:
    rules = []
    for line in [p.strip() for p in re.split(r"[;\n]", text or "") if p.strip()]:
        match = RULE.match(line)
        if not match:
            raise ValidationError(f"{label}: {line!r} is not a rule like '>= 10 : 100' ({', '.join(OPS)}).")
        op, value, points = match.groups()
        value = value.strip().strip("'\"")
        try:
            wanted: float | str = float(value)
        except ValueError:
            wanted = value
        rules.append({"op": op, "value": wanted, "points": float(points)})
    return rules


class HealthModelForm(forms.Form):
    green_from = forms.IntegerField(label="Green from", min_value=1, max_value=100)
    yellow_from = forms.IntegerField(label="Yellow from", min_value=1, max_value=100)
    power_user_share = forms.FloatField(
        label="Power-user share (%)",
        min_value=1,
        max_value=100,
        help_text="The top share of an account's people by weighted points over 90 days counts as power users.",
    )
    note = forms.CharField(
        label="What changed", max_length=300, required=False, help_text="Shown in the version history."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for measure in MEASURES:
            self.fields[f"weight_{measure.key}"] = forms.FloatField(
                label="Weight", min_value=0, max_value=100, required=False
            )
            self.fields[f"curve_{measure.key}"] = forms.CharField(label="Curve", required=False, help_text=CURVE_HELP)

    @staticmethod
    def initial_for(model: HealthModel) -> dict:
        initial = {
            "green_from": model.green_from,
            "yellow_from": model.yellow_from,
            "power_user_share": round(float(model.power_user_share) * 100, 1),
        }
        for measure in MEASURES:
            setting = (model.measures or {}).get(measure.key)
            initial[f"weight_{measure.key}"] = setting["weight"] if setting else 0
            initial[f"curve_{measure.key}"] = curve_format(setting["curve"] if setting else measure.curve)
        return initial

    def clean(self):
        cleaned = super().clean()
        for measure in MEASURES:
            name = f"curve_{measure.key}"
            if name in self.errors:
                continue
            text = cleaned.get(name) or curve_format(measure.curve)
            try:
                cleaned[name] = curve_parse(measure.label, text)
            except ValidationError as error:
                self.add_error(name, error)
            if cleaned.get(f"weight_{measure.key}") is None and f"weight_{measure.key}" not in self.errors:
                cleaned[f"weight_{measure.key}"] = 0.0
        return cleaned

    def families(self) -> list[tuple[str, list[tuple[Measure, forms.BoundField, forms.BoundField]]]]:
        groups: dict[str, list] = {}
        for measure in MEASURES:
            groups.setdefault(FAMILY_LABELS[measure.family], []).append(
                (measure, self[f"weight_{measure.key}"], self[f"curve_{measure.key}"])
            )
        return list(groups.items())

    def measures(self) -> dict[str, dict]:
        return {
            m.key: {"weight": self.cleaned_data[f"weight_{m.key}"], "curve": self.cleaned_data[f"curve_{m.key}"]}
            for m in MEASURES
        }


class CustomMeasureForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False)
    label = forms.CharField(max_length=80, required=False)
    source = forms.ChoiceField(choices=SOURCES, required=False)
    name = forms.CharField(
        max_length=80, required=False, help_text="The field, custom field key or event name it reads."
    )
    weight = forms.FloatField(min_value=0, max_value=100, required=False)
    rules = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text=RULES_HELP)
    default_points = forms.FloatField(
        min_value=0, max_value=100, required=False, help_text="Points when no rule holds (empty: no data)."
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(f) not in (None, "") for f in ("label", "name", "rules", "weight"))

    def clean(self):
        cleaned = super().clean()
        if self.is_blank():
            return cleaned
        label = (cleaned.get("label") or "").strip() or "Custom measure"
        if not cleaned.get("label"):
            self.add_error("label", "Give the custom measure a name.")
        if not cleaned.get("name"):
            self.add_error("name", f"{label}: say which field, custom field or event it reads.")
        if cleaned.get("weight") is None and "weight" not in self.errors:
            self.add_error("weight", f"{label}: give it a weight (0-100).")
        try:
            cleaned["rules"] = rules_parse(label, cleaned.get("rules", ""))
        except ValidationError as error:
            self.add_error("rules", error)
        else:
            if not cleaned["rules"]:
                self.add_error("rules", f"{label}: add at least one rule, e.g. '>= 10 : 100'.")
        return cleaned

    @staticmethod
    def initial_for(custom: dict) -> dict:
        return {
            "key": custom.get("key", ""),
            "label": custom.get("label", ""),
            "source": custom.get("source", "field"),
            "name": custom.get("name", ""),
            "weight": custom.get("weight", 0),
            "rules": rules_format(custom.get("rules")),
            "default_points": custom.get("default_points"),
        }

    def measure(self) -> dict:
        data = self.cleaned_data
        custom = {
            "label": data["label"].strip(),
            "source": data["source"],
            "name": data["name"].strip(),
            "weight": data["weight"],
            "rules": data["rules"],
            "default_points": data.get("default_points"),
        }
        if data.get("key"):
            custom["key"] = data["key"]  # kept across versions: snapshots name it
        return custom


CustomMeasureFormSet = forms.formset_factory(CustomMeasureForm, extra=1, max_num=20)


class HealthModelEditor:
    """The model form and the custom-measure formset, validated and shown together."""

    def __init__(self, data=None, *, model: HealthModel):
        self.form = HealthModelForm(data, initial=HealthModelForm.initial_for(model))
        self.customs = CustomMeasureFormSet(
            data, prefix="custom", initial=[CustomMeasureForm.initial_for(c) for c in model.custom_measures or []]
        )
        self.custom_errors: list[str] = []

    def is_valid(self) -> bool:
        return self.form.is_valid() & self.customs.is_valid()

    def settings(self) -> dict:
        data = self.form.cleaned_data
        customs = [f.measure() for f in self.customs.forms if f.cleaned_data and not f.is_blank()]
        return {
            "measures": self.form.measures(),
            "custom_measures": customs,
            "green_from": data["green_from"],
            "yellow_from": data["yellow_from"],
            "power_user_share": round(data["power_user_share"] / 100, 2),
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's error next to what it names: a measure's weight or curve, a band, the customs."""
        if not hasattr(error, "error_dict"):
            self.form.add_error(None, error.messages)
            return
        for name, messages in error.message_dict.items():
            if name in BY_KEY:
                label = BY_KEY[name].label
                messages = [m if m.startswith(label) else f"{label}: {m}" for m in messages]
                # The service's messages say "weight" when the weight is wrong; anything else is the curve.
                field = f"weight_{name}" if any("weight" in m for m in messages) else f"curve_{name}"
                self.form.add_error(field, messages)
            elif name == "custom_measures":
                self.custom_errors.extend(messages)
            elif name == "power_user_share":
                self.form.add_error(name, messages)
            elif name == "green_from":
                self.form.add_error("green_from", messages)
            else:
                self.form.add_error(None, messages)
