"""Factories for tests, and what the isolation harness needs to make any tenant-owned object."""

import factory
from django_scopes import scope

from tenancy import services
from tenancy.models import ApiKeyKind, Role, Team, Tenant, User

# The marker every object the isolation harness makes for tenant A carries, so a
# page that leaks one of them into another tenant's view is caught by its text.
CANARY = "CANARY-A"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    time_zone = "Europe/Berlin"
    currency = "EUR"


PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.user_create(password=PASSWORD, **kwargs)


def make_membership(tenant: Tenant) -> int:
    with scope(tenant=tenant):
        membership = services.membership_invite(
            tenant=tenant,
            email=f"{CANARY.lower()}-member@alpha.example",
            full_name=f"{CANARY} Member",
            role=Role.CSM,
            team=Team.SUPPORT,
            by=None,
        )
        return membership.pk


def _canary_member() -> User:
    return User.objects.get(email=f"{CANARY.lower()}-member@alpha.example")


def make_api_key(tenant: Tenant) -> int:
    with scope(tenant=tenant):
        owner = _canary_member()
        api_key, _secret = services.api_key_create(
            tenant=tenant, kind=ApiKeyKind.PERSONAL, name=f"{CANARY} token", by=owner, user=owner
        )
        return api_key.pk


def make_write_key(tenant: Tenant) -> int:
    with scope(tenant=tenant):
        api_key, _secret = services.api_key_create(
            tenant=tenant, kind=ApiKeyKind.WRITE_KEY, name=f"{CANARY} write key", by=_canary_member()
        )
        return api_key.pk


def make_tier(tenant: Tenant) -> int:
    from accounts import services as account_services

    with scope(tenant=tenant):
        tiers = account_services.tiers_create_defaults(tenant=tenant)
        tier = tiers[0]
        tier.name = f"{CANARY} {tier.name}"
        tier.save()
        return tier.pk


def make_account(tenant: Tenant) -> int:
    from accounts import services as account_services

    with scope(tenant=tenant):
        parent = account_services.account_create(
            tenant=tenant,
            by=None,
            external_id="canary-parent",
            name=f"{CANARY} Holding",
            segment="enterprise",
            acv=250_000,
            arr=250_000,
        )
        account = account_services.account_create(
            tenant=tenant,
            by=None,
            external_id="canary-account",
            name=f"{CANARY} Account",
            segment="mid_market",
            acv=40_000,
            arr=40_000,
            owner=_canary_member(),
            parent=parent,
        )
        return account.pk


def make_contact(tenant: Tenant) -> int:
    from accounts import services as account_services
    from accounts.models import Account

    with scope(tenant=tenant):
        contact = account_services.contact_create(
            tenant=tenant,
            account=Account.objects.get(external_id="canary-account"),
            external_id="canary-user",
            name=f"{CANARY} Contact",
            email="canary.contact@alpha.example",
            roles=["champion"],
        )
        return contact.pk


def make_custom_field(tenant: Tenant) -> int:
    from accounts import services as account_services

    with scope(tenant=tenant):
        return account_services.custom_field_define(
            tenant=tenant, label=f"{CANARY} Plan", key="canary_plan", field_type="choice", choices=["Gold", "Silver"]
        ).pk


def make_import_job(tenant: Tenant) -> int:
    """A finished accounts import with one rejected row, so its rejected-rows file exists too."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.imports import services as import_services
    from accounts.models import ImportKind, ImportMode

    data = (
        f"Account ID,Name,Segment\ncanary-import-1,{CANARY} Imported,enterprise\ncanary-import-2,{CANARY} Bad,galaxy\n"
    )
    with scope(tenant=tenant):
        job = import_services.import_job_create(
            tenant=tenant,
            kind=ImportKind.ACCOUNTS,
            uploaded_file=SimpleUploadedFile(f"{CANARY} accounts.csv", data.encode()),
            by=_canary_member(),
        )
        import_services.import_job_configure(job=job, mapping=job.mapping, mode=ImportMode.VALID_ROWS, by=None)
        # The queued task runs on commit, which a test's transaction never reaches: run it here.
        import_services.import_job_run(job_id=job.pk, tenant=tenant)
        return job.pk


# URL keyword -> a function that makes tenant A's object and returns the id to put there.
# Later issues add their own keywords (account_id, renewal_id, ...). Order matters:
# a maker may rely on the objects of the makers before it.
OBJECT_MAKERS = {
    "membership_id": make_membership,
    "api_key_id": make_api_key,
    "write_key_id": make_write_key,
    "tier_id": make_tier,
    "account_id": make_account,
    "contact_id": make_contact,
    "custom_field_id": make_custom_field,
    "import_job_id": make_import_job,
}
