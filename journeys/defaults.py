"""The field's numbers, from the seeds (001, "Die Post-Sale Journey ist keine Pipeline"); every tenant may change them.

Exit criteria are the seed's "you know the stage is complete when..." lists; durations are its
per-segment ranges in days. Retention and advocacy are ongoing: they have no upper bound and never stall.
"""

from decimal import Decimal

from .models import CriterionKind, Stage

M, D = CriterionKind.MANUAL, CriterionKind.DATA

# (stage, key, label, kind, rule, threshold, help)
CRITERIA: tuple[tuple, ...] = (
    (Stage.ONBOARDING, "implementation_done", "Technical implementation is done", M, "", None, ""),
    (
        Stage.ONBOARDING,
        "core_users_active",
        "Core users are trained and active",
        D,
        "active_seat_share",
        Decimal("40"),
        "Active seats (last 30 days over seats purchased) at or above the threshold, in %.",
    ),
    (Stage.ONBOARDING, "use_case_live", "The first use case runs in production", M, "", None, ""),
    (
        Stage.ONBOARDING,
        "value_documented",
        "First business value is documented",
        D,
        "value_documented",
        None,
        "A success-plan objective with a recorded measurement that moved towards its target.",
    ),
    (
        Stage.ONBOARDING,
        "go_live_confirmed",
        "The customer has confirmed go-live",
        M,
        "",
        None,
        "Only a person can tick this: who confirmed it and when is kept.",
    ),
    (
        Stage.ADOPTION,
        "seats_active",
        "70%+ of seats are active",
        D,
        "active_seat_share",
        Decimal("70"),
        "Active seats (last 30 days over seats purchased), in %.",
    ),
    (
        Stage.ADOPTION,
        "features_beyond_initial",
        "3+ features used beyond the initial use case",
        D,
        "feature_breadth",
        Decimal("4"),
        "Distinct features used in the last 30 days: the initial use case's one plus three more.",
    ),
    (
        Stage.ADOPTION,
        "weekly_usage",
        "Weekly usage is established",
        D,
        "weekly_usage",
        Decimal("-20"),
        "Active this week and last, and this week's engagement no more than the threshold (in %) below last week's.",
    ),
    (Stage.ADOPTION, "teams_onboarded", "Further teams or departments are onboarded", M, "", None, ""),
    (
        Stage.ADOPTION,
        "power_users_identified",
        "Power users are identified and engaged",
        D,
        "power_users",
        Decimal("1"),
        "People flagged as power users by their 90-day points, or holding the power-user role.",
    ),
    (
        Stage.RETENTION,
        "health_green",
        "Health is consistently green",
        D,
        "health_band",
        None,
        "The account's current health band is green.",
    ),
    (
        Stage.RETENTION,
        "no_major_issues",
        "No major issue is unresolved",
        D,
        "open_tickets",
        Decimal("2"),
        "Open tickets weighted by priority at or below the threshold (P1 counts 4).",
    ),
    (Stage.RETENTION, "value_communicated", "Value realised is documented and communicated", M, "", None, ""),
    (Stage.RETENTION, "stakeholders_active", "Stakeholder relationships are active", M, "", None, ""),
    (Stage.EXPANSION, "opportunity_qualified", "An expansion opportunity is identified and qualified", M, "", None, ""),
    (Stage.EXPANSION, "conversation_started", "The expansion conversation has started", M, "", None, ""),
    (Stage.EXPANSION, "expansion_closed", "The upsell, cross-sell or seat addition is closed", M, "", None, ""),
    (Stage.RENEWAL, "renewal_confirmed", "Renewal confirmed at least 30 days before the end", M, "", None, ""),
    (Stage.RENEWAL, "terms_agreed", "Contract terms agreed and signed", M, "", None, ""),
    (
        Stage.ADVOCACY,
        "promoter",
        "A promoter (NPS 9-10)",
        D,
        "nps",
        Decimal("9"),
        "The account's latest NPS answer at or above the threshold.",
    ),
    (Stage.ADVOCACY, "reference_given", "Reference, case study or review given", M, "", None, ""),
    (Stage.ADVOCACY, "referral_given", "Referral introduction given", M, "", None, ""),
)

# (stage, segment) -> (min_days, max_days or None). Segments: accounts.models.Segment values.
_MONTH = 30
DURATIONS: dict[tuple[str, str], tuple[int, int | None]] = {
    (Stage.ONBOARDING, "smb"): (7, 30),
    (Stage.ONBOARDING, "mid_market"): (30, 60),
    (Stage.ONBOARDING, "enterprise"): (60, 120),
    (Stage.ONBOARDING, "product_led"): (1, 7),
    (Stage.ADOPTION, "smb"): (3 * _MONTH, 6 * _MONTH),
    (Stage.ADOPTION, "mid_market"): (6 * _MONTH, 12 * _MONTH),
    (Stage.ADOPTION, "enterprise"): (12 * _MONTH, 24 * _MONTH),
    (Stage.ADOPTION, "product_led"): (1 * _MONTH, 3 * _MONTH),
    # Expansion: the seed's sales cycles (enterprise 6-12 months, mid-market 2-4, SMB 1-2 weeks).
    (Stage.EXPANSION, "smb"): (7, 14),
    (Stage.EXPANSION, "mid_market"): (2 * _MONTH, 4 * _MONTH),
    (Stage.EXPANSION, "enterprise"): (6 * _MONTH, 12 * _MONTH),
    (Stage.EXPANSION, "product_led"): (1, 30),
    # Renewal: the runway before the end date (enterprise 120-180, mid-market 60-90, SMB 30-60, product-led 14-30).
    (Stage.RENEWAL, "smb"): (30, 60),
    (Stage.RENEWAL, "mid_market"): (60, 90),
    (Stage.RENEWAL, "enterprise"): (120, 180),
    (Stage.RENEWAL, "product_led"): (14, 30),
}
ONGOING = (Stage.RETENTION, Stage.ADVOCACY)

DEFAULT_TRACK_NAME = "Core platform"
