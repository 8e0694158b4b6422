from django.db import migrations
from django.db.models import Exists, OuterRef


def mark_accounts_with_contracts(apps, schema_editor):
    """Accounts with a contract had their ARR kept by renewals already; from now on they say so. Tenant by
    tenant, one UPDATE each: nothing is loaded into memory. (Historical models have plain managers, so no
    tenant scope is needed here.)"""
    Tenant = apps.get_model("tenancy", "Tenant")
    Account = apps.get_model("accounts", "Account")
    Contract = apps.get_model("renewals", "Contract")
    for tenant_id in Tenant.objects.values_list("pk", flat=True):
        contracts = Contract.objects.filter(tenant_id=tenant_id, account_id=OuterRef("pk"))
        Account.objects.filter(tenant_id=tenant_id, arr_from_contracts=False).filter(Exists(contracts)).update(
            arr_from_contracts=True
        )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_account_arr_from_contracts"),
        ("renewals", "0001_renewals"),
    ]

    operations = [
        # Backwards the flag goes away with the accounts migration; nothing to undo here.
        migrations.RunPython(mark_accounts_with_contracts, migrations.RunPython.noop, elidable=True),
    ]
