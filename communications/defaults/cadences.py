"""The seed's cadences (004, "Nachrichten an Journey Stages anpassen"), copied into a tenant on first use
and editable there. Offsets are days from the anchor (negative: before it); hours are local.

- Onboarding (first 90 days): daily in week one, 2-3 touches a week in weeks two to four, then weekly until
  day 90, and one CSM check-in call at day 14 ("Tag 14: CSM-Check-in"). Email is two of the touches a week
  at most and in-app guides carry the other days, so the default cap (2 emails a week, 8 a month) holds
  whatever weekday the account enters onboarding: emails fall on days 0 and 3 of each week, and a calendar
  month sees at most eight.
- Adoption nurture: feature spotlight, advanced use cases, a webinar invitation, a customer story.
- Retention touchpoints, for healthy (green) accounts: 1-2 touches a month (check-ins, value reports,
  product updates, a QBR invitation).
- Renewal, from the renewal date: T-90 usage and value report, T-60 CSM outreach, T-30 formal proposal,
  T-14 urgency if unsigned (signing exits the cadence first), T-7 escalation by leadership. They are
  relationship messages: the renewal-negotiation blackout holds back promotion, not the negotiation itself.
- Expansion ask, when health raises an expansion signal (usage limits, added users, high engagement).
- Advocacy ask, when a track enters advocacy: case study, review, referral.
"""

from accounts.models import ContactRole
from tenancy.models import Team

from ..models import CadenceAnchor, Channel, MessageType

MT, CH = MessageType, Channel
CS, LEADERSHIP, MARKETING, SALES = Team.CUSTOMER_SUCCESS, Team.LEADERSHIP, Team.MARKETING, Team.SALES


def step(offset, message_type, subject, body="", *, channel=CH.EMAIL, team=CS, role="", hour=10, fallbacks=None):
    return {
        "offset_days": offset,
        "message_type": message_type,
        "channel": channel,
        "team": team,
        "audience_role": role,
        "send_hour": hour,
        "subject": subject,
        "body": body,
        "fallbacks": fallbacks or {},
    }


HELLO = 'Hi {{ contact.first_name | default:"there" }},\n\n'
SIGNED = '\n\n{{ csm.name | default:"Your customer success team" }}\n{{ tenant.name }}'


def _in_app(offset, subject, body):
    return step(offset, MT.EDUCATIONAL, subject, body, channel=CH.IN_APP, hour=11)


ONBOARDING_STEPS = [
    # Week one: every day.
    step(
        0,
        MT.RELATIONSHIP,
        "Welcome to {{ tenant.name }}, {{ account.name }}",
        HELLO + "Welcome aboard. I am your customer success manager and here for anything you need in your "
        "first weeks; reply to this email any time." + SIGNED,
    ),
    _in_app(
        1,
        "Your setup checklist",
        "Three steps to your first result: invite your team, connect your data, build your first report.",
    ),
    _in_app(2, "Invite your team", "{{ account.name }} gets more out of it with the whole team on board."),
    step(
        3,
        MT.EDUCATIONAL,
        'Your setup guide, {{ contact.first_name | default:"step by step" }}',
        HELLO + "Here is the setup guide most teams follow in their first week, with the three settings "
        "worth getting right early." + SIGNED,
    ),
    _in_app(4, "Connect your data", "Connect your first data source to see your own numbers."),
    _in_app(5, "Training sessions this week", "Join a live training session, or watch the recordings."),
    _in_app(6, "Your first week", "You finished your first week: here is what teams usually do next."),
    # Weeks two to four: two or three touches a week.
    step(
        7,
        MT.EDUCATIONAL,
        "Week two: building your first workflow",
        HELLO + "Now that you are set up, "
        "here is how teams like {{ account.name }} build their first workflow." + SIGNED,
    ),
    _in_app(9, "Tip: shortcuts that save time", "Five shortcuts power users rely on."),
    step(
        10,
        MT.EDUCATIONAL,
        "Best practices from teams like yours",
        HELLO + "Three practices from {{ account.segment }} customers that pay off in the first month." + SIGNED,
    ),
    step(
        14,
        MT.RELATIONSHIP,
        "Two-week check-in with {{ account.name }}",
        "CSM check-in call: how is onboarding going, what is blocking, what comes next.",
        channel=CH.CALL,
        role=ContactRole.CHAMPION,
    ),
    step(
        17,
        MT.EDUCATIONAL,
        "Reporting your first results",
        HELLO + "How to share what you have achieved so far with your stakeholders." + SIGNED,
    ),
    _in_app(19, "New to you: automations", "Automations take repetitive work off your team."),
    step(
        21,
        MT.EDUCATIONAL,
        "Week four: going further",
        HELLO + "Features teams adopt once the basics are in place." + SIGNED,
    ),
    step(
        24,
        MT.RELATIONSHIP,
        'How is it going, {{ contact.first_name | default:"everyone" }}?',
        HELLO + "A month in: what is working, and what should be easier? Just reply." + SIGNED,
    ),
    # Then weekly until day 90.
    *[
        step(day, MT.EDUCATIONAL, subject, HELLO + text + SIGNED)
        for day, subject, text in [
            (28, "Your first month at {{ account.name }}", "A look back at your first month and the next steps."),
            (35, "Tip of the week: dashboards", "Build a dashboard your leadership will open every Monday."),
            (42, "Tip of the week: sharing", "Share reports with people outside your team."),
            (49, "Tip of the week: alerts", "Let alerts tell you when a number moves."),
            (56, "Tip of the week: integrations", "The integrations teams like yours connect next."),
            (63, "Tip of the week: permissions", "Give every role the access it needs, and no more."),
            (70, "Tip of the week: templates", "Start from templates other teams built."),
            (77, "Tip of the week: automation recipes", "Recipes that save teams an hour a week."),
            (84, "Your onboarding, nearly done", "What to aim for in your next quarter."),
            (90, "90 days with {{ tenant.name }}", "Onboarding is complete: here is what comes next."),
        ]
    ],
]

ADOPTION_STEPS = [
    step(
        7,
        MT.EDUCATIONAL,
        "Feature spotlight for {{ account.name }}",
        HELLO + "One feature teams like yours adopt next, and how to start with it in ten minutes." + SIGNED,
    ),
    step(
        21,
        MT.EDUCATIONAL,
        "Advanced use cases",
        HELLO + "How power users combine features to do more with less work." + SIGNED,
        role=ContactRole.POWER_USER,
    ),
    step(
        35,
        MT.EDUCATIONAL,
        "You are invited: advanced training webinar",
        HELLO + "Join our live "
        "webinar on advanced workflows; the recording follows for everyone who registers." + SIGNED,
    ),
    step(
        49,
        MT.EDUCATIONAL,
        "How another {{ account.segment }} team got there",
        HELLO + "A customer story from a team that went from basic use to power use." + SIGNED,
    ),
]

RETENTION_STEPS = [
    step(
        14,
        MT.RELATIONSHIP,
        'Checking in, {{ contact.first_name | default:"everyone" }}',
        HELLO + "A quick check-in: anything we can help with this month?" + SIGNED,
    ),
    step(
        30,
        MT.RELATIONSHIP,
        "Your monthly value report",
        HELLO + "This month {{ account.name }} used "
        '{{ usage.top_feature.month | default:"the product" }} most. Here is what that added up to.' + SIGNED,
    ),
    step(
        45,
        MT.OPERATIONAL,
        "What is new this month",
        HELLO + "The product updates worth knowing about this month." + SIGNED,
    ),
    step(
        60,
        MT.RELATIONSHIP,
        "Monthly check-in with {{ account.name }}",
        "CSM check-in call.",
        channel=CH.CALL,
        role=ContactRole.CHAMPION,
    ),
    step(
        75,
        MT.RELATIONSHIP,
        "Your value report",
        HELLO + "The results {{ account.name }} achieved this quarter, in numbers." + SIGNED,
    ),
    step(
        90,
        MT.RELATIONSHIP,
        "Time for your quarterly business review",
        HELLO + "Let us set up your quarterly business review: the results, the goals for next quarter." + SIGNED,
        role=ContactRole.EXECUTIVE_SPONSOR,
    ),
]

RENEWAL_STEPS = [
    step(
        -90,
        MT.RELATIONSHIP,
        "Your year with {{ tenant.name }}: usage and value report",
        HELLO + "Ahead of your renewal on {{ renewal.date }}, here is the value {{ account.name }} realised this year, "
        'with {{ usage.top_feature.month | default:"your most used features" }} leading.' + SIGNED,
    ),
    step(
        -60,
        MT.RELATIONSHIP,
        "Your renewal on {{ renewal.date }}: let us talk",
        HELLO + "Your renewal is "
        "two months away. I would like to hear how the year went and what you need next; when suits you?" + SIGNED,
        role=ContactRole.DECISION_MAKER,
    ),
    step(
        -30,
        MT.RELATIONSHIP,
        "Your renewal proposal",
        HELLO + "Attached is the formal proposal for your renewal on {{ renewal.date }}." + SIGNED,
        role=ContactRole.DECISION_MAKER,
    ),
    step(
        -14,
        MT.RELATIONSHIP,
        "Two weeks to your renewal",
        HELLO + "Your contract renews on "
        "{{ renewal.date }} and is not signed yet. Anything open I can help with?" + SIGNED,
        role=ContactRole.DECISION_MAKER,
    ),
    step(
        -7,
        MT.RELATIONSHIP,
        "Your renewal on {{ renewal.date }}",
        HELLO + "I am reaching out personally "
        "ahead of your renewal next week: how can we make sure it goes smoothly?\n\n{{ tenant.name }} leadership",
        team=LEADERSHIP,
        role=ContactRole.EXECUTIVE_SPONSOR,
    ),
]

EXPANSION_STEPS = [
    step(
        1,
        MT.PROMOTIONAL,
        "Room to grow at {{ account.name }}",
        HELLO + "Your team is getting a lot out "
        'of {{ usage.top_feature.month | default:"the product" }}. Shall we look at what would help you grow '
        "further?" + SIGNED,
        team=SALES,
        role=ContactRole.DECISION_MAKER,
    ),
    step(
        8,
        MT.PROMOTIONAL,
        "Expansion conversation with {{ account.name }}",
        "Call to walk through seats, plans and the features the team is asking for.",
        channel=CH.CALL,
        team=SALES,
        role=ContactRole.DECISION_MAKER,
    ),
]

ADVOCACY_STEPS = [
    step(
        7,
        MT.PROMOTIONAL,
        'Would you share your story, {{ contact.first_name | default:"there" }}?',
        HELLO + "What {{ account.name }} achieved would help other teams. Would you be open to a short "
        "case study?" + SIGNED,
        team=MARKETING,
        role=ContactRole.CHAMPION,
    ),
    step(
        21,
        MT.PROMOTIONAL,
        "A quick review?",
        HELLO + "If you have five minutes, a review helps other teams find us." + SIGNED,
        team=MARKETING,
        role=ContactRole.CHAMPION,
    ),
    step(
        35,
        MT.PROMOTIONAL,
        "Know a team that would benefit?",
        HELLO + "If you know a team that could use "
        "what {{ account.name }} has, we would love an introduction." + SIGNED,
        team=MARKETING,
        role=ContactRole.CHAMPION,
    ),
]

# key -> the cadence's fields and its steps.
CADENCES: dict[str, dict] = {
    "onboarding": {
        "name": "Onboarding",
        "description": "First 90 days: daily in week one, 2-3 touches a week in weeks 2-4, weekly until day 90; "
        "a CSM check-in call at day 14.",
        "anchor": CadenceAnchor.STAGE_ENTERED,
        "trigger": "onboarding",
        "health_bands": [],
        "steps": ONBOARDING_STEPS,
    },
    "adoption": {
        "name": "Adoption nurture",
        "description": "After activation: feature spotlight, advanced use cases, webinar invitation, customer story.",
        "anchor": CadenceAnchor.STAGE_ENTERED,
        "trigger": "adoption",
        "health_bands": [],
        "steps": ADOPTION_STEPS,
    },
    "retention": {
        "name": "Retention touchpoints",
        "description": "Healthy accounts: 1-2 touches a month, check-ins, value reports, product updates, QBR.",
        "anchor": CadenceAnchor.STAGE_ENTERED,
        "trigger": "retention",
        "health_bands": ["green"],
        "steps": RETENTION_STEPS,
    },
    "renewal": {
        "name": "Renewal",
        "description": "T-90 usage and value report, T-60 CSM outreach, T-30 formal proposal, T-14 urgency if "
        "unsigned, T-7 escalation by leadership. Signing or churning exits it.",
        "anchor": CadenceAnchor.RENEWAL_DATE,
        "trigger": "",
        "health_bands": [],
        "steps": RENEWAL_STEPS,
    },
    "expansion": {
        "name": "Expansion ask",
        "description": "When health raises an expansion signal: an expansion email and a call from sales.",
        "anchor": CadenceAnchor.SIGNAL_RAISED,
        "trigger": "expansion",
        "health_bands": [],
        "steps": EXPANSION_STEPS,
    },
    "advocacy": {
        "name": "Advocacy ask",
        "description": "Promoters: a case study, a review and a referral ask.",
        "anchor": CadenceAnchor.STAGE_ENTERED,
        "trigger": "advocacy",
        "health_bands": [],
        "steps": ADVOCACY_STEPS,
    },
}
