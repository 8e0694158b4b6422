"""Who may send what (the send-permission matrix of the seed), and the approval of bulk sends."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_scopes import scope

from communications import services
from communications.defaults.rules import default_send_permissions
from communications.models import Approval, ApprovalDecision, Channel, EntryStatus, MessageType
from tenancy.models import Membership, Role, Team

from ..factories import UserFactory, add_member
from .builders import at_local, contact_of, entry_for, reload_entry

pytestmark = pytest.mark.django_db


def member(tenant, role, team=Team.CUSTOMER_SUCCESS):
    user = UserFactory()
    add_member(tenant, user, role, team)
    return user


def membership(tenant, user):
    with scope(tenant=tenant):
        return Membership.objects.get(tenant=tenant, user=user)


def may(tenant, user, message_type, channel="email"):
    with scope(tenant=tenant):
        return services.may_send(
            tenant=tenant, membership=membership(tenant, user), message_type=message_type, channel=channel
        )


def test_a_csm_may_not_send_promotional_and_is_told_why(tenant_a, account, jane, bob):
    with pytest.raises(ValidationError) as raised:
        entry_for(
            tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], by=bob, message_type="promotional"
        )

    assert raised.value.message_dict["message_type"] == [
        "Customer success CSMs may not send promotional messages by email."
    ]
    ok = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], by=bob)
    assert ok.status == EntryStatus.SCHEDULED


def test_marketing_may_send_promotional_email_but_not_a_call(tenant_a, account, jane):
    marketer = member(tenant_a, Role.CSM, Team.MARKETING)

    entry = entry_for(
        tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], by=marketer, message_type="promotional"
    )

    assert entry.status == EntryStatus.SCHEDULED
    assert not may(tenant_a, marketer, "promotional", "call")
    assert not may(tenant_a, marketer, "relationship")


def test_a_viewer_sends_nothing(tenant_a, account, jane):
    viewer = member(tenant_a, Role.VIEWER, Team.LEADERSHIP)

    for message_type in MessageType.values:
        for channel in Channel.values:
            assert not may(tenant_a, viewer, message_type, channel)
    with pytest.raises(ValidationError) as raised:
        entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], by=viewer)
    assert "Viewers read only" in str(raised.value)


@pytest.mark.parametrize(
    ("team", "message_type", "channel", "allowed"),
    [
        (Team.CUSTOMER_SUCCESS, "relationship", "call", True),
        (Team.CUSTOMER_SUCCESS, "transactional", "webinar", True),
        (Team.CUSTOMER_SUCCESS, "educational", "sms", False),
        (Team.MARKETING, "educational", "community", True),
        (Team.MARKETING, "operational", "email", False),
        (Team.SUPPORT, "transactional", "sms", True),
        (Team.SUPPORT, "operational", "call", True),
        (Team.SUPPORT, "educational", "email", False),
        (Team.PRODUCT, "educational", "in_app", True),
        (Team.PRODUCT, "operational", "email", True),
        (Team.PRODUCT, "promotional", "in_app", False),
        (Team.SALES, "promotional", "call", True),
        (Team.SALES, "relationship", "email", True),
        (Team.SALES, "educational", "email", False),
        (Team.LEADERSHIP, "promotional", "webinar", True),
        (Team.LEADERSHIP, "transactional", "email", True),
        (Team.LEADERSHIP, "relationship", "in_app", False),
    ],
)
def test_the_seed_matrix(tenant_a, team, message_type, channel, allowed):
    for role in (Role.CSM, Role.LEADER, Role.ADMIN):
        assert may(tenant_a, member(tenant_a, role, team), message_type, channel) is allowed


def test_the_matrix_is_the_tenants_to_change(tenant_a, bob):
    assert not may(tenant_a, bob, "promotional")
    with scope(tenant=tenant_a):
        services.send_permission_set(
            tenant=tenant_a,
            team="customer_success",
            role="csm",
            message_type="promotional",
            channel="email",
            allowed=True,
        )
        services.send_permission_set(
            tenant=tenant_a,
            team="customer_success",
            role="csm",
            message_type="educational",
            channel="email",
            allowed=False,
        )
        with pytest.raises(ValidationError):
            services.send_permission_set(
                tenant=tenant_a,
                team="marketing",
                role="viewer",
                message_type="educational",
                channel="email",
                allowed=True,
            )
        cells = services.send_permissions(tenant=tenant_a)

    assert may(tenant_a, bob, "promotional") and not may(tenant_a, bob, "educational")
    assert len(cells) == len(default_send_permissions())


def test_the_system_is_allowed_what_it_was_set_up_to_send(tenant_a, account, jane):
    entry = entry_for(
        tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], message_type="promotional"
    )

    assert entry.status == EntryStatus.SCHEDULED


def test_a_member_of_another_tenant_may_not_send_here(tenant_a, tenant_b, charlie):
    with scope(tenant=tenant_b):
        theirs = Membership.objects.get(tenant=tenant_b, user=charlie)
    with scope(tenant=tenant_a):
        assert not services.may_send(tenant=tenant_a, membership=theirs, message_type="educational", channel="email")


# --- Bulk approval -----------------------------------------------------------------


@pytest.fixture
def crowd(tenant_a, account):
    """Four champions, over a bulk threshold of three."""
    with scope(tenant=tenant_a):
        services.communication_settings_update(tenant=tenant_a, bulk_threshold=3)
    return [contact_of(tenant_a, account, n, name=f"Champion {n}") for n in range(1, 5)]


def approvals(tenant, entry):
    with scope(tenant=tenant):
        return list(
            Approval.objects.filter(tenant=tenant, entry=entry)
            .order_by("at", "id")
            .values_list("decision", "recipient_count", "by", "note")
        )


def test_a_bulk_send_waits_for_approval_whoever_sends_it(tenant_a, account, crowd, alice):
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=crowd, by=alice)

    assert entry.status == EntryStatus.PENDING_APPROVAL
    assert entry.needs_approval and entry.recipient_count == 4
    assert "4 recipients (more than 3)" in entry.status_reason
    assert approvals(tenant_a, entry) == [(ApprovalDecision.REQUESTED, 4, alice.pk, "")]


def test_up_to_the_threshold_is_not_bulk(tenant_a, account, crowd, bob):
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=crowd[:3], by=bob)

    assert entry.status == EntryStatus.SCHEDULED
    assert approvals(tenant_a, entry) == []


def test_a_leader_approves_and_it_is_scheduled(tenant_a, account, crowd, bob):
    leader = member(tenant_a, Role.LEADER)
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=crowd, by=bob)

    with scope(tenant=tenant_a):
        services.entry_approve(entry=entry, by=leader, note="Checked the list")

    saved = reload_entry(tenant_a, entry)
    assert saved.status == EntryStatus.SCHEDULED and not saved.needs_approval
    assert approvals(tenant_a, entry)[-1] == (ApprovalDecision.APPROVED, 4, leader.pk, "Checked the list")


def test_an_approved_send_still_respects_the_caps(tenant_a, account, crowd, alice):
    for day in (2, 3):
        entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, day), contacts=crowd[:1])
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 4), contacts=crowd, by=alice)

    with scope(tenant=tenant_a):
        services.entry_approve(entry=entry, by=alice)

    saved = reload_entry(tenant_a, entry)
    assert saved.status == EntryStatus.DEFERRED
    assert saved.scheduled_at == at_local(tenant_a, 2030, 12, 9, 9)
    assert "Champion 1 already has 2 emails this week" in saved.status_reason


def test_a_csm_may_not_approve(tenant_a, account, crowd, bob):
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=crowd, by=bob)

    with scope(tenant=tenant_a), pytest.raises(PermissionDenied):
        services.entry_approve(entry=entry, by=bob)

    assert reload_entry(tenant_a, entry).status == EntryStatus.PENDING_APPROVAL
    assert [a[0] for a in approvals(tenant_a, entry)] == [ApprovalDecision.REQUESTED]


def test_a_rejection_is_recorded_and_sends_it_back_to_draft(tenant_a, account, crowd, bob, alice):
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=crowd, by=bob)

    with scope(tenant=tenant_a):
        with pytest.raises(ValidationError):
            services.entry_reject(entry=entry, by=alice, note="  ")
        services.entry_reject(entry=entry, by=alice, note="Too many people for a check-in")
        with pytest.raises(ValidationError):
            services.entry_approve(entry=reload_entry(tenant_a, entry), by=alice)

    saved = reload_entry(tenant_a, entry)
    assert saved.status == EntryStatus.DRAFT
    assert "Too many people for a check-in" in saved.status_reason
    assert approvals(tenant_a, entry)[-1] == (ApprovalDecision.REJECTED, 4, alice.pk, "Too many people for a check-in")


def test_more_recipients_after_approval_need_a_new_approval(tenant_a, account, crowd, bob, alice):
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=crowd[:3] + crowd[3:], by=bob)
    with scope(tenant=tenant_a):
        services.entry_approve(entry=entry, by=alice)
        same = services.entry_update(entry=reload_entry(tenant_a, entry), by=bob, subject="Renamed")
        assert same.status == EntryStatus.SCHEDULED
        extra = contact_of(tenant_a, account, 9, name="Champion 9")
        grown = services.entry_update(entry=same, by=bob, contacts=[*crowd, extra])

    assert grown.status == EntryStatus.PENDING_APPROVAL
    assert [a[:2] for a in approvals(tenant_a, entry)] == [
        (ApprovalDecision.REQUESTED, 4),
        (ApprovalDecision.APPROVED, 4),
        (ApprovalDecision.REQUESTED, 5),
    ]
