"""Forms of the journey settings: an exit criterion, the stage expectations."""

from django import forms

from accounts.models import Segment

from ..models import CriterionKind, Stage
from ..selectors.criteria import RULES
from . import SMALL_INPUT


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
