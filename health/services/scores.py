"""Writes of health scoring: model versions, and scoring a set of accounts for a day (snapshots,
contacts' scores, the account's current score and band, signals)."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Account, Segment
from accounts.services import account_health_update
from core import tenant_time
from tenancy.models import Tenant, User

from ..models import HealthModel, HealthScore
from ..scoring.engine import AccountScore, Inputs, score_inputs
from ..scoring.explain import explain
from ..scoring.measures import BY_KEY, OPS, default_measure_settings
from ..selectors.adoption_history import AdoptionHistory
from ..selectors.inputs import measure_inputs
from . import detection, score_writes

MAX_WEIGHT = 100
HISTORY_BATCH = 2_000  # accounts per transaction when scoring past days


def health_model_current(*, tenant: Tenant, segment: str = "") -> HealthModel:
    """The model in effect for a segment: its own, else the all-segments one (made with the defaults)."""
    return health_models_in_effect(tenant=tenant)(segment)


def _default_model(tenant: Tenant) -> HealthModel:
    try:
        with transaction.atomic():
            return HealthModel.objects.create(
                tenant=tenant,
                segment="",
                version=1,
                measures=default_measure_settings(),
                note="Defaults from the seeds",
            )
    except IntegrityError:
        return HealthModel.objects.get(tenant=tenant, segment="", is_current=True)


@dataclass(frozen=True)
class ModelsInEffect:
    """The tenant's current models, read once: call it with a segment for the model that applies."""

    by_segment: dict[str, HealthModel]
    fallback: HealthModel  # the all-segments model

    def __call__(self, segment: str | None) -> HealthModel:
        return self.by_segment.get(segment or "", self.fallback)

    @property
    def power_user_shares(self) -> dict[str, float]:
        return {"": float(self.fallback.power_user_share)} | {
            segment: float(m.power_user_share) for segment, m in self.by_segment.items()
        }

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Every event a custom measure of any current model counts."""
        names = {
            c["name"]
            for m in [self.fallback, *self.by_segment.values()]
            for c in m.custom_measures or []
            if c.get("source") == "metric"
        }
        return tuple(sorted(names))


def health_models_in_effect(*, tenant: Tenant) -> ModelsInEffect:
    models = {m.segment: m for m in HealthModel.objects.filter(tenant=tenant, is_current=True)}
    return ModelsInEffect(by_segment=models, fallback=models.get("") or _default_model(tenant))


def _check_curve(key: str, curve) -> list[list[float]]:
    label = BY_KEY[key].label
    try:
        points = [[float(x), float(y)] for x, y in curve]
    except (TypeError, ValueError) as error:
        raise ValidationError({key: f"{label}: a curve is a list of [raw value, points] pairs."}) from error
    if len(points) < 2:
        raise ValidationError({key: f"{label}: a curve needs at least two points."})
    if any(not 0 <= y <= 100 for _, y in points):
        raise ValidationError({key: f"{label}: points on a curve are between 0 and 100."})
    raws = [x for x, _ in points]
    if len(set(raws)) != len(raws):
        raise ValidationError({key: f"{label}: each raw value appears once on the curve."})
    return sorted(points)


def health_model_validate(
    *, measures: dict, custom_measures: list, green_from: int, yellow_from: int, power_user_share: float
) -> tuple[dict, list]:
    """Clean and check a model's settings; the error names the measure and what is wrong."""
    clean: dict[str, dict] = {}
    for key, setting in (measures or {}).items():
        if key not in BY_KEY:
            raise ValidationError({key: f"{key!r} is not a measure of the health model."})
        weight = float(setting.get("weight", 0))
        if not 0 <= weight <= MAX_WEIGHT:
            raise ValidationError({key: f"{BY_KEY[key].label}: the weight is between 0 and {MAX_WEIGHT}."})
        curve = setting.get("curve") or [list(p) for p in BY_KEY[key].curve]
        clean[key] = {"weight": weight, "curve": _check_curve(key, curve)}
    customs = []
    for n, custom in enumerate(custom_measures or [], start=1):
        label = (custom.get("label") or "").strip()
        where = f"Custom measure {n}" + (f" ({label})" if label else "")
        if not label:
            raise ValidationError({"custom_measures": f"{where}: give it a name."})
        if custom.get("source") not in ("field", "custom_field", "metric") or not custom.get("name"):
            raise ValidationError(
                {"custom_measures": f"{where}: say what it reads (account field, custom field or metric)."}
            )
        rules = custom.get("rules") or []
        if not rules:
            raise ValidationError({"custom_measures": f"{where}: add at least one rule (a threshold and its points)."})
        for rule in rules:
            if rule.get("op") not in OPS:
                raise ValidationError({"custom_measures": f"{where}: {rule.get('op')!r} is not a comparison."})
            try:
                points = float(rule.get("points"))
            except (TypeError, ValueError) as error:
                raise ValidationError({"custom_measures": f"{where}: points must be a number."}) from error
            if not 0 <= points <= 100:
                raise ValidationError({"custom_measures": f"{where}: points are between 0 and 100."})
        key = custom.get("key") or f"custom_{n}"
        customs.append({**custom, "key": key, "label": label, "weight": float(custom.get("weight", 0))})
    if not 0 < yellow_from < green_from <= 100:
        raise ValidationError({"green_from": "Bands need 0 < yellow from < green from <= 100."})
    if not 0 < float(power_user_share) <= 1:
        raise ValidationError({"power_user_share": "The power-user share is above 0 and at most 1 (100%)."})
    if not any(m["weight"] > 0 for m in clean.values()) and not any(c["weight"] > 0 for c in customs):
        raise ValidationError({"measures": "Give at least one measure a weight above 0."})
    return clean, customs


@transaction.atomic
def health_model_save(
    *,
    tenant: Tenant,
    segment: str,
    measures: dict,
    custom_measures: list | None = None,
    green_from: int = 70,
    yellow_from: int = 40,
    power_user_share: float = 0.2,
    signal_cooldowns: dict | None = None,
    note: str = "",
    by: User | None,
) -> HealthModel:
    """A new version of the model for `segment` (blank: all segments); the old one stays for history."""
    if segment and segment not in Segment.values:
        raise ValidationError({"segment": f"{segment!r} is not a segment."})
    clean, customs = health_model_validate(
        measures=measures,
        custom_measures=custom_measures or [],
        green_from=green_from,
        yellow_from=yellow_from,
        power_user_share=power_user_share,
    )
    previous = list(HealthModel.objects.select_for_update().filter(tenant=tenant, segment=segment).order_by("-version"))
    HealthModel.objects.filter(tenant=tenant, segment=segment, is_current=True).update(is_current=False)
    return HealthModel.objects.create(
        tenant=tenant,
        segment=segment,
        version=(previous[0].version + 1) if previous else 1,
        measures=clean,
        custom_measures=customs,
        green_from=green_from,
        yellow_from=yellow_from,
        power_user_share=power_user_share,
        signal_cooldowns=signal_cooldowns
        if signal_cooldowns is not None
        else (previous[0].signal_cooldowns if previous else {}),
        note=note[:300],
        created_by=by,
    )


def health_model_drop_segment(*, tenant: Tenant, segment: str) -> None:
    """A segment goes back to the all-segments model; its versions stay for the snapshots that name them."""
    HealthModel.objects.filter(tenant=tenant, segment=segment, is_current=True).update(is_current=False)


def inputs_for(
    *,
    tenant: Tenant,
    day: dt.date,
    account_ids: list[int],
    models: ModelsInEffect | None = None,
    history: AdoptionHistory | None = None,
) -> Inputs:
    models = models or health_models_in_effect(tenant=tenant)
    return measure_inputs(
        tenant=tenant,
        day=day,
        account_ids=account_ids,
        power_user_share=models.power_user_shares,
        metric_names=models.metric_names,
        history=history,
    )


def _snapshots_on(tenant: Tenant, day: dt.date, account_ids: list[int], *, measures: bool = True) -> dict[int, dict]:
    """Snapshots of a day by account; without `measures`, only the score (decoding every measure's
    JSON is the cost of reading a snapshot, and the 30-day delta needs none of it)."""
    fields = ("account_id", "score", "band", "measures", "model_id") if measures else ("account_id", "score")
    return {
        row["account_id"]: row
        for row in HealthScore.objects.filter(tenant=tenant, day=day, account_id__in=account_ids).values(*fields)
    }


@transaction.atomic
def accounts_score_day(
    *,
    tenant: Tenant,
    day: dt.date,
    account_ids: list[int],
    detect: bool = True,
    history: AdoptionHistory | None = None,
) -> dict[int, AccountScore]:
    """Score these accounts for `day` and upsert their snapshots. With `detect` (today's run), also
    contacts' scores, the current score on the account and the signals. `history`: a backfill's usage
    rollups, read once for all its days."""
    _batch_settings()
    model_for = health_models_in_effect(tenant=tenant)
    inputs = inputs_for(tenant=tenant, day=day, account_ids=account_ids, models=model_for, history=history)
    scores = score_inputs(inputs, model_for)
    ids = list(scores)
    week_ago = _snapshots_on(tenant, day - dt.timedelta(days=7), ids)
    month_ago = _snapshots_on(tenant, day - dt.timedelta(days=30), ids, measures=False)
    models_by_id = {
        m.pk: m for m in HealthModel.objects.filter(tenant=tenant, pk__in={r["model_id"] for r in week_ago.values()})
    }
    now = timezone.now()
    rows = []
    segments = inputs.accounts["segment"].to_dict()
    for account_id, score in scores.items():
        model = model_for(segments.get(account_id))
        before, older = week_ago.get(account_id), month_ago.get(account_id)
        text = explain(
            current=score,
            model=model,
            previous=before,
            previous_model=models_by_id.get(before["model_id"]) if before else None,
        )
        rows.append(
            HealthScore(
                tenant=tenant,
                account_id=account_id,
                day=day,
                model=model,
                score=score.score,
                band=score.band,
                measures=score.measures,
                delta_7=_delta(score.score, before),
                delta_30=_delta(score.score, older),
                explanation=text,
                computed_at=now,
            )
        )
    score_writes.health_scores_upsert(tenant_id=tenant.pk, scores=rows)
    if detect:
        _contacts_write(tenant, day, inputs)
        _accounts_write(tenant, scores)
        wanted = detection.wanted_signals(inputs=inputs, scores=scores, week_ago=week_ago, today=day)
        detection.signals_sync(
            tenant=tenant,
            account_ids=ids,
            wanted=wanted,
            today=day,
            cooldown_days=detection.cooldowns(model_for.fallback),
        )
    return scores


def _batch_settings() -> None:
    """For this transaction on PostgreSQL: memory to aggregate a batch's ~1M rollup rows in one hash
    (the default 4 MB spills them to disk, which doubled the slowest query), and no JIT (it compiles
    each big query again, for every batch, costing more than it saves on queries of this size)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")


def _delta(score: int | None, before: dict | None) -> int | None:
    if score is None or not before or before.get("score") is None:
        return None
    return score - before["score"]


def _contacts_write(tenant: Tenant, day: dt.date, inputs: Inputs) -> None:
    people = inputs.contacts
    if people.empty:
        return
    # Whole columns to Python values (numpy's ints and bools are not SQL parameters), zipped into rows.
    rows = list(
        zip(
            people["contact_id"].astype("int64").tolist(),
            people["account_id"].astype("int64").tolist(),
            [day] * len(people),
            [round(p, 2) for p in people["points"].astype("float64").tolist()],
            people["score"].astype("int64").tolist(),
            [d if isinstance(d, dt.date) else None for d in people["last_day"].tolist()],
            people["is_power_user"].astype(bool).tolist(),
            strict=True,
        )
    )
    score_writes.contact_health_upsert(tenant_id=tenant.pk, account_ids=inputs.accounts.index.tolist(), rows=rows)


def _accounts_write(tenant: Tenant, scores: dict[int, AccountScore]) -> None:
    account_health_update(tenant_id=tenant.pk, scores=[(a, s.score, s.band) for a, s in scores.items()])


def account_recompute(*, account: Account) -> AccountScore | None:
    """One account, now (from its page): today's snapshot, contacts, signals."""
    today = tenant_time.today(account.tenant)
    return accounts_score_day(tenant=account.tenant, day=today, account_ids=[account.pk]).get(account.pk)


def health_history_backfill(
    *, tenant: Tenant, days: int, account_ids: list[int] | None = None, today: dt.date | None = None
) -> int:
    """Snapshots for the last `days` days from the rollups, oldest first (so deltas and explanations
    compare with the days before), then today's with signals. For the demo and after a model import.

    The usage rollups of the whole run are read once (held in memory for the run, a set per batch of accounts) rather
    than each day's 90-day window again; the scores are the same."""
    today = today or tenant_time.today(tenant)
    if account_ids is None:
        account_ids = list(Account.objects.filter(tenant=tenant).values_list("pk", flat=True))
    ids = account_ids
    chunks = [ids[start : start + HISTORY_BATCH] for start in range(0, len(ids), HISTORY_BATCH)]
    histories = [
        AdoptionHistory(tenant=tenant, first=today - dt.timedelta(days=days), last=today, ids=chunk) for chunk in chunks
    ]
    written = 0
    for back in range(days, -1, -1):
        day = today - dt.timedelta(days=back)
        for chunk, history in zip(chunks, histories, strict=True):
            scored = accounts_score_day(tenant=tenant, day=day, account_ids=chunk, detect=back == 0, history=history)
            written += len(scored)
    return written
