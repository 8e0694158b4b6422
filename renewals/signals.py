"""What renewals announces to other apps (communications enrols and exits a renewal cadence, playbooks
trigger), through the event contract (core.events): written with the change, delivered after its commit.
The payloads are frozen (what a receiver needs of the renewal, as it was), so none reads renewals' tables."""

from core.events import Event, announce

# A renewal opened with its runway (a new contract): communications enrols the renewal cadence. The days are
# ISO 8601 (its due day, its contract's first day).
renewal_opened = Event(
    "renewals.renewal_opened", "renewal_id", "account_id", "due_on", "contract_id", "contract_start_on"
)
# A renewal closed with its outcome (renewed, expanded, contracted, churned).
renewal_closed = Event("renewals.renewal_closed", "renewal_id", "account_id", "outcome")
# Renewals whose standing forecast changed: changes=[{change_id, renewal_id, account_id, from, to}], one
# announcement per change or refresh batch. origin_playbook_id: the playbook whose action set it (None for a
# person or the data), so that playbook does not fire itself again.
forecast_changed = Event("renewals.forecast_changed", "changes", "origin_playbook_id")
# A contract was created (by hand, an import, an auto-renewal): its id, account and first day (ISO 8601).
contract_created = Event("renewals.contract_created", "contract_id", "account_id", "start_on")


def announce_renewal_opened(renewal) -> None:
    contract = renewal.contract
    announce(
        renewal_opened,
        tenant=renewal.tenant,
        renewal_id=renewal.pk,
        account_id=renewal.account_id,
        due_on=renewal.due_on.isoformat(),
        contract_id=contract.pk,
        contract_start_on=contract.start_on.isoformat(),
    )


def announce_renewal_closed(renewal) -> None:
    announce(
        renewal_closed,
        tenant=renewal.tenant,
        renewal_id=renewal.pk,
        account_id=renewal.account_id,
        outcome=renewal.outcome or "",
    )


def announce_forecast_changed(tenant, changes: list[dict], origin_playbook_id: int | None = None) -> None:
    if changes:
        announce(forecast_changed, tenant=tenant, changes=changes, origin_playbook_id=origin_playbook_id)


def announce_contract_created(contract) -> None:
    announce(
        contract_created,
        tenant=contract.tenant,
        contract_id=contract.pk,
        account_id=contract.account_id,
        start_on=contract.start_on.isoformat(),
    )
