"""What the demo's teams write: subjects and bodies, with merge fields and their defaults."""

HELLO = 'Hi {{ contact.first_name | default:"there" }},\n\n'
SIGNED = '\n\n{{ csm.name | default:"Your customer success team" }}\n{{ tenant.name }}'
CHECK_INS = [
    (
        "Checking in",
        "How are things going this month? Anything I can help with, or anything we should look at together?",
    ),
    (
        "Your usage this month",
        'Your team used {{ usage.top_feature.month | default:"the product" }} most this '
        "month. Want to go through what it adds up to?",
    ),
    (
        "A quick check-in",
        "A short note to see how the rollout is going and whether anything is in the way.",
    ),
    (
        "Ideas for next month",
        "Three things teams like {{ account.name }} set up next; happy to walk you through any of them.",
    ),
]
NEWSLETTER = (
    "The monthly: what is new, and what teams built with it",
    "This month: dashboards that answer Monday's questions, a guide to alerts, and a customer story. "
    "Read it here: https://acme.example/newsletter",
)
WEBINARS = [
    (
        "You are invited: Advanced dashboards live (webinar)",
        "Join our product team for 45 minutes of advanced "
        "dashboards, with questions at the end. Register: https://acme.example/webinars/dashboards",
    ),
    (
        "Webinar: automating your weekly reporting",
        "See how teams save an hour a week with scheduled exports. Register: https://acme.example/webinars/automation",
    ),
]
MAINTENANCE = (
    "Planned maintenance this Sunday, 02:00-04:00 CET",
    "We are upgrading our database servers. "
    "Dashboards will be read-only for up to two hours; no data is lost. Status: https://status.acme.example",
)
PRODUCT_UPDATES = [
    ("New: scheduled exports", "Send any report as a CSV on a schedule. Find it under Export > Schedule."),
    ("New: alert rules on any metric", "Get a message when a number moves: open a chart and choose Alert me."),
]
LEADERSHIP = (
    "A note from our leadership: the year ahead",
    HELLO + "Thank you for working with us this year. I want "
    "to share where the product is going next and how we will support {{ account.name }} along the way."
    "\n\nLena Leader, Head of Customer Success",
)
QBR = (
    "Your quarterly business review: let us pick a date",
    HELLO + "It is time for our quarterly business review: "
    "your results this quarter, and the goals for the next one. Which of these dates suits you?" + SIGNED,
)
EXPANSION_CALL = (
    "Expansion conversation with {{ account.name }}",
    "With sales: seats, plans and the features the team is asking for.",
)

# The readers of an enterprise account's all-hands newsletter, added in the demo.
FIRST_NAMES = ["Ada", "Ben", "Cleo", "Dev", "Elif", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai", "Lea", "Milo", "Nia"]
LAST_NAMES = ["Berg", "Costa", "Dahl", "Eze", "Frey", "Gomez", "Haas", "Ito", "Jung", "Klein", "Lund", "Moreau"]
