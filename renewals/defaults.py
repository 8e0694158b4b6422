"""The seed's renewal runways and loss reasons, copied into a tenant on first use and editable there.

Runways from the seeds (001 and 003): enterprise renewals start 180 days out (internal review at T-180, the
conversation at T-120, the proposal at T-90), mid-market at 90-120, SMB at 30-60, product-led with 14-30 days'
notice and auto-renewal by default. "If the renewal conversation starts 30 days before the end, it is already lost."
"""

from accounts.models import Segment

from .models import ReasonApplies

REVIEW = ("Internal health and risk review", "Assess health, document the value delivered, name the risks.")
CONVERSATION = ("Start the renewal conversation", "Open the renewal with the customer; confirm their intent.")
PROPOSAL = ("Value review and proposal", "Present the value and ROI achieved; deliver the renewal proposal.")
NEGOTIATION = ("Negotiation and stakeholder alignment", "Align the decision makers, work through the approval path.")
SIGNATURE = ("Contract out for signature", "Send the renewal contract; signature before the end date.")
REMINDER = ("Renewal reminder", "Remind the customer of the coming renewal; check the payment method.")

# segment -> [(days before the end, (title, description))]
RUNWAYS: dict[str, list[tuple[int, tuple[str, str]]]] = {
    Segment.ENTERPRISE: [(180, REVIEW), (120, CONVERSATION), (90, PROPOSAL), (60, NEGOTIATION), (30, SIGNATURE)],
    Segment.MID_MARKET: [(120, CONVERSATION), (90, PROPOSAL), (60, NEGOTIATION), (30, SIGNATURE)],
    Segment.SMB: [(60, PROPOSAL), (30, SIGNATURE)],
    Segment.PRODUCT_LED: [(30, REMINDER), (14, ("Last reminder before auto-renewal", "Final notice before renewal."))],
}

# The seed's reasons renewals go wrong, as the tenant's first list.
OUTCOME_REASONS: list[tuple[str, str]] = [
    ("Budget cut or restructuring", ReasonApplies.BOTH),
    ("Champion left", ReasonApplies.BOTH),
    ("Value not proven", ReasonApplies.BOTH),
    ("Replaced by a competitor", ReasonApplies.CHURN),
    ("Price objection", ReasonApplies.BOTH),
    ("Low adoption: fewer seats needed", ReasonApplies.CONTRACTION),
    ("Merger or acquisition", ReasonApplies.BOTH),
    ("Unresolved technical issues", ReasonApplies.BOTH),
    ("Procurement delay", ReasonApplies.CHURN),
    ("Business closed", ReasonApplies.CHURN),
]
