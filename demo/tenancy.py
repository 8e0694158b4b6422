"""The demo's tenants and people; the other apps add their data to them."""

from dataclasses import dataclass

from django.core.mail import get_connection
from django_scopes import scope

from tenancy import services
from tenancy.models import ApiKeyKind, Membership, Role, Team, Tenant, User

DEMO_PASSWORD = "postsale-demo"
DEMO_TENANT_SLUG = "acme-analytics"
SECOND_TENANT_SLUG = "globex-support"
PENDING_INVITEE = "noah@acme.example"
DISCARD_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# (email, full name, role, team)
ACME_PEOPLE = [
    ("admin@acme.example", "Avery Admin", Role.ADMIN, Team.CUSTOMER_SUCCESS),
    ("leader@acme.example", "Lena Leader", Role.LEADER, Team.CUSTOMER_SUCCESS),
    ("maya@acme.example", "Maya Chen", Role.CSM, Team.CUSTOMER_SUCCESS),
    ("jonas@acme.example", "Jonas Weber", Role.CSM, Team.CUSTOMER_SUCCESS),
    ("priya@acme.example", "Priya Nair", Role.CSM, Team.CUSTOMER_SUCCESS),
    ("marketing@acme.example", "Marco Marketing", Role.VIEWER, Team.MARKETING),
]
GLOBEX_PEOPLE = [
    ("admin@globex.example", "Gina Globex", Role.ADMIN, Team.CUSTOMER_SUCCESS),
    ("sam@globex.example", "Sam Okafor", Role.CSM, Team.CUSTOMER_SUCCESS),
]


@dataclass
class DemoPeople:
    tenant: Tenant
    admin: User
    leader: User
    csms: list[User]
    second_tenant: Tenant
    write_key_secret: str


def _person(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    return user or services.user_create(email=email, full_name=full_name, password=DEMO_PASSWORD)


def _tenant(name: str, slug: str, people, *, time_zone: str, currency: str) -> Tenant:
    first_email, first_name, *_ = people[0]
    tenant = services.tenant_create(
        name=name, slug=slug, admin=_person(first_email, first_name), time_zone=time_zone, currency=currency
    )
    with scope(tenant=tenant):
        for email, full_name, role, team in people[1:]:
            Membership.objects.create(tenant=tenant, user=_person(email, full_name), role=role, team=team)
    return tenant


def seed_people() -> DemoPeople:
    acme = _tenant("Acme Analytics", DEMO_TENANT_SLUG, ACME_PEOPLE, time_zone="Europe/Berlin", currency="EUR")
    globex = _tenant("Globex Support", SECOND_TENANT_SLUG, GLOBEX_PEOPLE, time_zone="America/New_York", currency="USD")
    # The Acme leader also advises Globex, so the demo shows switching between tenants.
    leader = User.objects.get(email="leader@acme.example")
    with scope(tenant=globex):
        Membership.objects.create(tenant=globex, user=leader, role=Role.VIEWER, team=Team.CUSTOMER_SUCCESS)
    by_email = {u.email: u for u in User.objects.filter(email__endswith="@acme.example")}
    admin = by_email["admin@acme.example"]
    with scope(tenant=acme):
        # The key Acme's product would send its Segment events with, and a token of the admin's own.
        _key, write_key_secret = services.api_key_create(
            tenant=acme, kind=ApiKeyKind.WRITE_KEY, name="Acme web app (Segment)", by=admin
        )
        services.api_key_create(tenant=acme, kind=ApiKeyKind.PERSONAL, name="CRM sync script", by=admin, user=admin)
        # A new CSM invited and not yet joined, so the members page shows a pending invitation.
        invitation = services.invitation_create(
            tenant=acme, email=PENDING_INVITEE, role=Role.CSM, team=Team.CUSTOMER_SUCCESS, by=admin, send=False
        )
        # The demo's addresses are not real: its link is "sent" to nobody.
        services.invitation_send(invitation=invitation, connection=get_connection(DISCARD_EMAIL_BACKEND))
    return DemoPeople(
        tenant=acme,
        admin=admin,
        leader=leader,
        csms=[by_email[e] for e, _, role, _ in ACME_PEOPLE if role == Role.CSM],
        second_tenant=globex,
        write_key_secret=write_key_secret,
    )


def demo_logins() -> list[tuple[str, str]]:
    return [(email, role.label) for email, _, role, _ in ACME_PEOPLE] + [
        (email, f"{role.label} (Globex)") for email, _, role, _ in GLOBEX_PEOPLE
    ]
