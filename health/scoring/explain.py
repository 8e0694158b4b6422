"""The sentence every score carries: what changed since last week and why, naming people and numbers,
and telling a change of the model apart from a change in the customer's behaviour."""

from core.text import day_of, plural

from ..models import HealthModel
from .engine import AccountScore, contributions, rescore
from .measures import BY_KEY, format_raw

STEADY_POINTS = 3  # a move smaller than this reads as "held"
MAX_REASONS = 3


def _way(change: int) -> str:
    return "down" if change < 0 else "up"


def describe(key: str, measure: dict) -> str:
    """A measure as it stands today, in a CSM's words."""
    raw, detail = measure.get("raw"), measure.get("detail") or {}
    label = measure.get("label", key)
    if raw is None:
        return f"no data for {label.lower()}"
    if key == "power_users":
        if detail.get("days", 0) >= 7:
            return f"power user {detail.get('name')} inactive {plural(detail['days'], 'day')}"
        return f"power users active (least active {detail.get('name')}, {plural(int(raw), 'day')} ago)"
    if key == "active_seats" and detail.get("seats"):
        return f"{detail.get('active')} of {detail['seats']} seats active ({format_raw('share', raw)})"
    if key == "core_trend":
        return f"core-feature use at {raw * 100:.0f}% of its usual level"
    if key == "engagement_change":
        return f"engagement {raw * 100:+.0f}% week over week"
    if key == "feature_breadth":
        return f"{plural(int(raw), 'feature')} used in 30 days"
    if key == "open_tickets":
        open_count = sum(detail.get(p, 0) for p in ("p1", "p2", "p3", "p4"))
        p1 = detail.get("p1", 0)
        return f"{plural(open_count, 'open ticket')}" + (f" ({p1} P1)" if p1 else "")
    if key == "csat":
        prior = detail.get("prior")
        return f"CSAT {raw:.1f}" + (f" (was {prior:.1f})" if prior is not None else "")
    if key == "late_payments":
        if not raw:
            return "invoices paid on time"
        state = "unpaid, " if detail.get("unpaid") else ""
        return f"invoice {detail.get('number')} {state}{plural(int(raw), 'day')} late"
    if key == "downgrades":
        if not raw:
            return "no downgrades or seat cuts"
        removed = detail.get("seats_removed")
        return f"{plural(int(raw), 'downgrade or seat cut')} in 90 days" + (
            f" ({removed} seats fewer)" if removed else ""
        )
    if key == "executive_touchpoint":
        return f"{plural(int(raw), 'day')} since the last executive touchpoint"
    if key == "no_shows":
        return f"{detail.get('no_shows', 0)} of {plural(detail.get('meetings', 0), 'meeting')} missed in 90 days"
    if key == "nps":
        who = f" from {detail['name']}" if detail.get("name") else ""
        return f"latest NPS {int(raw)}{who}"
    definition = BY_KEY.get(key)
    value = definition.format(raw) if definition else raw
    return f"{label.lower()} {value}"


def describe_change(key: str, before: dict, now: dict) -> str:
    """A measure that moved, from its value last week to today's."""
    if now.get("raw") is None or before.get("raw") is None or key in ("power_users", "late_payments", "nps"):
        return describe(key, now)
    definition = BY_KEY.get(key)
    if definition is None:
        return describe(key, now)
    old, new = before["raw"], now["raw"]
    direction = "down" if new < old else "up"
    name = "active seats" if key == "active_seats" else definition.label.lower()
    return f"{name} {direction} from {definition.format(old)} to {definition.format(new)}"


def explain(
    *,
    current: AccountScore,
    model: HealthModel,
    previous: dict | None,
    previous_model: HealthModel | None,
) -> str:
    """`previous` is last week's snapshot as {"score", "measures"}; None when there is none."""
    if current.score is None:
        return "No health score: none of the model's measures has data for this account yet."
    missing = [current.measures[k]["label"] for k in current.missing]
    gap = f" Left out for lack of data: {', '.join(missing)}." if missing else ""
    if not previous or previous.get("score") is None:
        shortfall = sorted(
            (k for k, m in current.measures.items() if m["points"] is not None and m["weight"] > 0),
            key=lambda k: (100 - current.measures[k]["points"]) * current.measures[k]["weight"],
            reverse=True,
        )
        reasons = "; ".join(describe(k, current.measures[k]) for k in shortfall[:2])
        return f"Health {current.score} ({current.band}): weakest {reasons}.{gap}"
    before, now = previous["score"], current.score
    delta = now - before
    model_note = ""
    if previous_model is not None and previous_model.pk != model.pk:
        # Re-score last week's raw values under today's model: what is left is behaviour.
        before_now_model = rescore(model, previous["measures"])
        if before_now_model is not None:
            model_part, delta_behaviour = before_now_model - before, now - before_now_model
            changed_on = day_of(model.created_at, model.tenant)
            which = f"(weights changed on {changed_on}, version {model.version})"
            if model_part and delta_behaviour and (model_part < 0) != (delta_behaviour < 0):
                # Pulling opposite ways, "N of it" would not add up: say which way each went.
                model_note = (
                    f" Behaviour moved it {_way(delta_behaviour)} {plural(abs(delta_behaviour), 'point')}; "
                    f"the model {which} moved it {_way(model_part)} {abs(model_part)}."
                )
            else:
                model_note = (
                    f" {plural(abs(model_part), 'point')} of it from the model {which}, "
                    f"{abs(delta_behaviour)} from behaviour."
                )
        else:
            delta_behaviour = delta
    else:
        delta_behaviour = delta
    if abs(delta) < STEADY_POINTS and not model_note:
        head = f"Health held at {now} ({current.band}) since last week"
        worst = min(
            (k for k, m in current.measures.items() if m["points"] is not None and m["weight"] > 0),
            key=lambda k: current.measures[k]["points"],
            default=None,
        )
        return f"{head}; weakest {describe(worst, current.measures[worst])}.{gap}" if worst else f"{head}.{gap}"
    if delta:
        verb = "fell" if delta < 0 else "rose"
        head = f"Health {verb} {plural(abs(delta), 'point')} ({before} to {now}) since last week"
    else:
        head = f"Health held at {now} ({current.band}) since last week"
    old_contrib, new_contrib = contributions(previous["measures"]), contributions(current.measures)
    moved = []
    for key in set(old_contrib) | set(new_contrib):
        change = new_contrib.get(key, 0.0) - old_contrib.get(key, 0.0)
        same_value = previous["measures"].get(key, {}).get("raw") == current.measures.get(key, {}).get("raw")
        if (change < 0) == (delta_behaviour < 0) and abs(change) >= 0.5 and not same_value:
            moved.append((abs(change), key))
    moved.sort(reverse=True)
    reasons = [
        describe_change(k, previous["measures"].get(k, {}), current.measures.get(k, {})) for _, k in moved[:MAX_REASONS]
    ]
    text = head + (": " + "; ".join(reasons) if reasons else "") + "."
    return text + model_note + gap
