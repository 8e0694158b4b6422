"""A tenant's journey settings: its exit criteria per stage (the seed's until changed)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.text import slugify

from tenancy.models import Tenant

from ..models import CriterionKind, ExitCriterion, Stage
from ..selectors.criteria import RULES, exit_criteria_ensure

CRITERION_FIELDS = {"label", "kind", "rule", "threshold", "help_text", "position", "is_active"}


def _validate_criterion(criterion: ExitCriterion) -> None:
    criterion.full_clean(exclude=["tenant"], validate_unique=False, validate_constraints=False)
    if criterion.stage not in Stage.values:
        raise ValidationError({"stage": f"Unknown stage {criterion.stage!r}."})
    if criterion.kind == CriterionKind.DATA and criterion.rule not in RULES:
        known = ", ".join(RULES)
        raise ValidationError({"rule": f"A data criterion needs one of the rules {known}; got {criterion.rule!r}."})
    if criterion.kind == CriterionKind.MANUAL:
        criterion.rule, criterion.threshold = "", None
    taken = ExitCriterion.objects.filter(tenant_id=criterion.tenant_id, stage=criterion.stage, key=criterion.key)
    if taken.exclude(pk=criterion.pk).exists():
        raise ValidationError(
            {"label": f"{criterion.get_stage_display()} has a criterion like {criterion.label!r} already."}
        )


def exit_criterion_create(
    *,
    tenant: Tenant,
    stage: str,
    label: str,
    kind: str = CriterionKind.MANUAL,
    rule: str = "",
    threshold: Decimal | None = None,
    help_text: str = "",
) -> ExitCriterion:
    """A criterion added at the end of the stage's list; its key comes from the label and never changes."""
    exit_criteria_ensure(tenant=tenant)
    last = ExitCriterion.objects.filter(tenant=tenant, stage=stage).aggregate(m=Max("position"))["m"]
    criterion = ExitCriterion(
        tenant=tenant,
        stage=stage,
        key=slugify(label)[:40].replace("-", "_") or "criterion",
        label=label.strip(),
        kind=kind,
        rule=rule,
        threshold=threshold,
        help_text=help_text,
        position=(last or 0) + 1,
    )
    _validate_criterion(criterion)
    criterion.save()
    return criterion


def exit_criterion_update(*, criterion: ExitCriterion, **fields) -> ExitCriterion:
    """Change a criterion; transitions already recorded keep the checklist as it stood."""
    unknown = set(fields) - CRITERION_FIELDS
    if unknown:
        raise TypeError(f"exit_criterion_update() got unexpected fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(criterion, name, value)
    _validate_criterion(criterion)
    criterion.save()
    return criterion


def exit_criterion_delete(*, criterion: ExitCriterion) -> None:
    """Remove a criterion; its ticks go with it, the snapshots on past transitions stay."""
    criterion.delete()
