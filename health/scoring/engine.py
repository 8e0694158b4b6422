"""Scores from inputs under a health model: each measure's points, the weighted mean of the measures
that have data, the band. Pure: no queries, so a candidate model can be scored before it is saved."""

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from tenancy.models import Tenant

from ..models import HealthModel
from .measures import MEASURES, Family, curve_points, points_by_rules, points_on_sorted_curve


@dataclass
class Inputs:
    """Raw values (NaN: no data) and the facts that explanations and signals quote, as
    health.selectors.inputs.measure_inputs reads them."""

    tenant: Tenant  # whose money and days the sentences quote
    day: dt.date
    accounts: pd.DataFrame  # index account_id: name, segment, seats_purchased, arr, ... custom values
    raw: pd.DataFrame  # index account_id, a column per measure key
    details: dict[int, dict[str, dict]] = field(default_factory=dict)
    contacts: pd.DataFrame = field(default_factory=pd.DataFrame)
    facts: dict[int, dict] = field(default_factory=dict)  # advanced use, locked clicks, ticket spike, ...


@dataclass
class AccountScore:
    account_id: int
    score: int | None
    band: str
    measures: dict[str, dict]  # key -> raw, points, weight, family, label, detail

    @property
    def missing(self) -> list[str]:
        return [key for key, m in self.measures.items() if m["points"] is None and m["weight"] > 0]


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def custom_value(measure: dict, account: dict, facts: dict):
    """The value a custom measure reads: an account field, a custom field or a metric."""
    source, name = measure.get("source"), measure.get("name", "")
    if source == "custom_field":
        values = account.get("custom_fields") or {}
        return values.get(name)
    if source == "metric":
        return facts.get(f"metric:{name}", 0.0)
    value = account.get(name)
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    return value


def _weighted(measures: dict[str, dict]) -> tuple[dict[str, dict], float]:
    with_data = {k: m for k, m in measures.items() if m.get("points") is not None and m.get("weight", 0) > 0}
    return with_data, sum(m["weight"] for m in with_data.values())


def weighted_score(measures: dict[str, dict]) -> int | None:
    """The weighted mean of the measures that have data; a measure without data is left out, never zero."""
    with_data, total = _weighted(measures)
    return round(sum(m["points"] * m["weight"] for m in with_data.values()) / total) if total else None


def contributions(measures: dict[str, dict]) -> dict[str, float]:
    """What each measure with data adds to the score: points x weight over the weights with data."""
    with_data, total = _weighted(measures)
    return {k: m["points"] * m["weight"] / total for k, m in with_data.items()} if total else {}


def model_curves(model: HealthModel) -> dict[str, list[tuple[float, float]]]:
    return {key: curve_points(setting["curve"]) for key, setting in (model.measures or {}).items()}


def score_measures(
    model: HealthModel,
    raw: dict[str, float],
    details: dict,
    account: dict,
    facts: dict,
    curves: dict[str, list[tuple[float, float]]] | None = None,
) -> AccountScore:
    """`curves`: the model's, sorted (`model_curves`), when scoring many accounts under one model."""
    measures: dict[str, dict] = {}
    settings = model.measures or {}
    curves = curves if curves is not None else model_curves(model)
    # In the catalogue's order, not the JSON's: PostgreSQL's jsonb keeps keys sorted by length.
    for definition in MEASURES:
        key, setting = definition.key, settings.get(definition.key)
        if setting is None:
            continue
        value = raw.get(key)
        value = float(value) if _present(value) else None
        points = round(points_on_sorted_curve(curves[key], value), 1) if value is not None else None
        measures[key] = {
            "raw": None if value is None else round(value, 4),
            "points": points,
            "weight": float(setting.get("weight", 0)),
            "family": definition.family.value,
            "label": definition.label,
            "detail": details.get(key, {}),
        }
    for custom in model.custom_measures or []:
        value = custom_value(custom, account, facts)
        points = None
        if _present(value) and value != "":
            points = points_by_rules(custom.get("rules", []), value, custom.get("default_points"))
        measures[custom["key"]] = {
            "raw": value if isinstance(value, int | float | str | bool) or value is None else str(value),
            "points": points,
            "weight": float(custom.get("weight", 0)),
            "family": custom.get("family") or Family.CUSTOM.value,
            "label": custom.get("label") or custom["key"],
            "detail": {"source": custom.get("source"), "name": custom.get("name")},
        }
    score = weighted_score(measures)
    return AccountScore(account_id=0, score=score, band=model.band_for(score), measures=measures)


def score_inputs(inputs: Inputs, model_for) -> dict[int, AccountScore]:
    """Score every account of `inputs`; `model_for(segment)` gives the model that applies."""
    raw_rows = inputs.raw.to_dict(orient="index")
    accounts = inputs.accounts.to_dict(orient="index")
    scores: dict[int, AccountScore] = {}
    curves: dict[int, dict] = {}  # by id(model): each model's curves sorted once, not per account
    for account_id, raw in raw_rows.items():
        account = accounts.get(account_id, {})
        if not isinstance(account.get("name"), str):
            continue  # not in this tenant, or gone
        model = model_for(account.get("segment"))
        if id(model) not in curves:
            curves[id(model)] = model_curves(model)
        result = score_measures(
            model,
            raw,
            inputs.details.get(int(account_id), {}),
            account,
            inputs.facts.get(int(account_id), {}),
            curves=curves[id(model)],
        )
        result.account_id = int(account_id)
        scores[int(account_id)] = result
    return scores


def rescore(model: HealthModel, measures: dict[str, dict]) -> int | None:
    """A stored snapshot's score under another model, from its raw values: how much of a change
    the model made, as against the account's behaviour."""
    raw = {key: m.get("raw") for key, m in measures.items() if isinstance(m.get("raw"), int | float)}
    details = {key: m.get("detail", {}) for key, m in measures.items()}
    built_in = score_measures(model, raw, details, {}, {})
    # Custom measures read raw values straight from the snapshot.
    for custom in model.custom_measures or []:
        stored = measures.get(custom["key"], {})
        value = stored.get("raw")
        points = (
            points_by_rules(custom.get("rules", []), value, custom.get("default_points")) if _present(value) else None
        )
        built_in.measures[custom["key"]] = {"points": points, "weight": float(custom.get("weight", 0))}
    return weighted_score(built_in.measures)
