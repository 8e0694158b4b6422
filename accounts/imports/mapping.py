"""What an import can fill (the target fields of each kind), and guessing which column fills which."""

import re
from dataclasses import dataclass

from ..models import CustomFieldDefinition, ImportKind

CUSTOM_PREFIX = "cf_"


@dataclass(frozen=True)
class TargetField:
    key: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    help_text: str = ""


ACCOUNT_TARGETS = (
    TargetField(
        "external_id",
        "External id",
        True,
        ("account id", "account external id", "groupId", "group id", "external id", "id", "customer id", "crm id"),
        "The id your product and CRM use; rows are matched to existing accounts by it.",
    ),
    TargetField(
        "name", "Name", True, ("account name", "company", "company name", "customer", "customer name", "account")
    ),
    TargetField("domain", "Domain", False, ("website", "web", "url", "company domain")),
    TargetField(
        "segment",
        "Segment",
        True,
        ("customer segment", "market segment"),
        "Enterprise, Mid-market, SMB or Product-led.",
    ),
    TargetField("arr", "ARR", False, ("annual recurring revenue",)),
    TargetField("acv", "ACV", False, ("annual contract value", "contract value"), "Sets the service tier."),
    TargetField("seats_purchased", "Seats purchased", False, ("seats", "licenses", "licences", "seat count")),
    TargetField("industry", "Industry", False, ("vertical", "sector")),
    TargetField("region", "Region", False, ("territory", "geo")),
    TargetField(
        "owner_email",
        "Owner CSM email",
        False,
        ("csm email", "owner", "owner email", "csm", "account owner", "customer success manager", "csm e-mail"),
        "An active CSM, leader or admin of this tenant.",
    ),
    TargetField("signed_on", "Signed on", False, ("signed", "signed date", "contract signed", "signed at")),
    TargetField("go_live_on", "Go-live on", False, ("go live", "go-live date", "launch date", "live date")),
    TargetField("status", "Status", False, ("account status",), "Active or Churned."),
    TargetField(
        "parent_external_id",
        "Parent account external id",
        False,
        ("parent account id", "parent id", "parent", "parent external id", "parent account"),
        "An account already imported or in this file.",
    ),
)

CONTACT_TARGETS = (
    TargetField(
        "external_id",
        "External id",
        False,
        ("user id", "userId", "contact id", "external id", "id"),
        "The Segment userId; rows are matched to existing contacts by it, else by account and email.",
    ),
    TargetField(
        "account_external_id",
        "Account external id",
        True,
        ("account id", "account external id", "groupId", "group id", "company id", "account"),
        "The account must exist already: import accounts first.",
    ),
    TargetField("name", "Name", True, ("full name", "contact name", "contact")),
    TargetField("email", "Email", False, ("e-mail", "email address", "mail")),
    TargetField("title", "Title", False, ("job title", "position")),
    TargetField(
        "roles",
        "Roles",
        False,
        ("role", "contact roles", "persona"),
        "Separated by commas, semicolons or |: champion, executive_sponsor, decision_maker, power_user, admin, "
        "end_user.",
    ),
    TargetField("is_active", "Active", False, ("active", "is active", "enabled"), "Yes or no."),
    TargetField("last_seen_at", "Last seen", False, ("last seen", "last active", "last login", "last activity")),
)


def normalise(text: str) -> str:
    """'Account ID', 'account_id' and 'accountId' all read 'accountid'."""
    return re.sub(r"[^0-9a-z]", "", str(text).casefold())


def target_fields(*, kind: str, custom_fields: list[CustomFieldDefinition]) -> list[TargetField]:
    if kind == ImportKind.CONTACTS:
        return list(CONTACT_TARGETS)
    custom = [
        TargetField(
            f"{CUSTOM_PREFIX}{d.key}",
            d.label,
            False,
            (d.key, d.label),
            "Custom field; required for new accounts." if d.required else "Custom field.",
        )
        for d in custom_fields
    ]
    return [*ACCOUNT_TARGETS, *custom]


def guess_mapping(*, targets: list[TargetField], headers: list[str], saved: dict | None = None) -> dict[str, str]:
    """Target field -> header. The tenant's saved mapping wins where its columns are in this file;
    then exact names, then synonyms. A column fills at most one field."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for key, header in (saved or {}).items():
        if header in headers and header not in used and any(t.key == key for t in targets):
            mapping[key] = header
            used.add(header)
    by_name = {normalise(h): h for h in headers}
    # Exact names first, so a column called "Account" does not take a field a column "Account name" fits better.
    for pass_synonyms in (False, True):
        for target in targets:
            if target.key in mapping:
                continue
            names = target.synonyms if pass_synonyms else (target.key, target.label)
            for name in names:
                header = by_name.get(normalise(name))
                if header is not None and header not in used:
                    mapping[target.key] = header
                    used.add(header)
                    break
    return mapping
