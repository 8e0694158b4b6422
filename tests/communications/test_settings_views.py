"""The communication settings pages: every member reads them, only an admin changes caps, sending and alert
settings, blackout rules and the send-permission matrix; "send a test" posts to the Slack webhook."""

import pytest
from django.urls import reverse
from django_scopes import scope

from communications import services
from tenancy.models import Role

from .builders import Webhook

pytestmark = pytest.mark.django_db

GENERAL = {"bulk_threshold": "25", "send_hour": "9"}
POSTS = [
    "communications:settings_general",
    "communications:settings_caps",
    "communications:settings_blackouts",
    "communications:settings_permissions",
    "communications:settings_slack_test",
]


def settings_of(tenant):
    with scope(tenant=tenant):
        return (
            services.communication_settings(tenant=tenant),
            services.frequency_caps(tenant=tenant),
            {r.kind: r for r in services.blackout_rules(tenant=tenant, include_inactive=True)},
            services.send_permissions(tenant=tenant),
        )


def test_everyone_reads_only_admins_change(tenant_a, alice, bob, member_of, login):
    before = settings_of(tenant_a)
    for user in (bob, member_of(Role.VIEWER), member_of(Role.LEADER)):
        web = login(user)
        page = web.get(reverse("communications:settings"))
        assert page.status_code == 200 and not page.context["may_configure"]
        assert "<fieldset disabled>" in page.content.decode()
        for name in POSTS:
            assert web.post(reverse(name), {"bulk_threshold": 1, "send_hour": 1, "email_week": 9}).status_code == 403
    assert settings_of(tenant_a)[3] == before[3]
    admin_page = login(alice).get(reverse("communications:settings"))
    assert admin_page.context["may_configure"] and "<fieldset >" in admin_page.content.decode()


def test_admin_saves_caps_and_a_week_over_the_month_is_refused(tenant_a, alice, login):
    web = login(alice)
    response = web.post(
        reverse("communications:settings_caps"), {"email_week": "3", "email_month": "10", "sms_week": "1"}
    )
    assert response.status_code == 302
    caps = settings_of(tenant_a)[1]
    assert (caps["email"].per_week, caps["email"].per_month) == (3, 10)
    assert (caps["sms"].per_week, caps["sms"].per_month) == (1, None)
    bad = web.post(reverse("communications:settings_caps"), {"email_week": "9", "email_month": "4"})
    assert bad.status_code == 400 and "more than the 4 a month" in bad.content.decode()
    caps = settings_of(tenant_a)[1]
    assert (caps["email"].per_week, caps["email"].per_month) == (3, 10)


def test_admin_saves_sending_and_alert_settings(tenant_a, alice, login):
    response = login(alice).post(
        reverse("communications:settings_general"),
        {"bulk_threshold": "40", "send_hour": "8", "slack_webhook_url": "https://hooks.slack.com/services/T/B/X"},
    )
    assert response.status_code == 302
    saved = settings_of(tenant_a)[0]
    assert (saved.bulk_threshold, saved.send_hour, saved.notify_by_email) == (40, 8, False)
    assert saved.slack_webhook_url == "https://hooks.slack.com/services/T/B/X"
    bad = login(alice).post(reverse("communications:settings_general"), {"bulk_threshold": "0", "send_hour": "24"})
    assert bad.status_code == 400 and settings_of(tenant_a)[0].send_hour == 8
    assert settings_of(tenant_a)[0].teams_per_week == 3  # left out of the form: the seed's three stay


def test_admin_sets_how_many_teams_a_week_make_a_conflict(tenant_a, alice, login):
    client = login(alice)
    saved = client.post(reverse("communications:settings_general"), {**GENERAL, "teams_per_week": "4"})
    assert saved.status_code == 302 and settings_of(tenant_a)[0].teams_per_week == 4
    refused = client.post(reverse("communications:settings_general"), {**GENERAL, "teams_per_week": "1"})
    assert refused.status_code == 400 and "teams_per_week" in refused.context["general_form"].errors
    assert settings_of(tenant_a)[0].teams_per_week == 4


def test_a_slack_webhook_off_the_allowed_hosts_is_refused_on_the_form(tenant_a, alice, login):
    web = login(alice)
    good = "https://hooks.slack.com/services/T/B/X"
    assert (
        web.post(reverse("communications:settings_general"), {**GENERAL, "slack_webhook_url": good}).status_code == 302
    )

    bad = web.post(
        reverse("communications:settings_general"),
        {**GENERAL, "slack_webhook_url": "https://hooks.slack.com.internal.example/services/T/B/X"},
    )

    assert bad.status_code == 400
    assert bad.context["general_form"].errors["slack_webhook_url"] == [
        "The Slack webhook must be an https://hooks.slack.com/... URL (allowed hosts: hooks.slack.com)."
    ]
    assert settings_of(tenant_a)[0].slack_webhook_url == good


def test_admin_saves_blackout_rules(tenant_a, alice, login):
    response = login(alice).post(
        reverse("communications:settings_blackouts"),
        {
            "open_p1_ticket-message_types": ["promotional", "educational"],
            "renewal_negotiation-is_active": "on",
            "renewal_negotiation-message_types": ["promotional"],
            "renewal_negotiation-window_days": "30",
        },
    )
    assert response.status_code == 302
    rules = settings_of(tenant_a)[2]
    assert not rules["open_p1_ticket"].is_active
    assert rules["open_p1_ticket"].message_types == ["educational", "promotional"]
    assert (rules["renewal_negotiation"].is_active, rules["renewal_negotiation"].window_days) == (True, 30)


def test_the_matrix_grid_sets_and_clears_cells(tenant_a, alice, login):
    web = login(alice)
    page = web.get(reverse("communications:settings"))
    current = settings_of(tenant_a)[3]
    assert ("marketing", "csm", "promotional", "email") in current
    assert ("support", "csm", "promotional", "email") not in current
    checked = [c for row in page.context["matrix"]["rows"] for c, on in row["cells"] if on]
    assert {tuple(c.split(":")) for c in checked} == current
    wanted = [c for c in checked if c != "marketing:csm:promotional:email"] + ["support:csm:promotional:email"]
    assert web.post(reverse("communications:settings_permissions"), {"perm": wanted}).status_code == 302
    after = settings_of(tenant_a)[3]
    assert after == (current - {("marketing", "csm", "promotional", "email")}) | {
        ("support", "csm", "promotional", "email")
    }
    # A viewer row cannot be switched on: nothing changes, and the page says why.
    response = web.post(
        reverse("communications:settings_permissions"),
        {"perm": [*wanted, "support:viewer:educational:email"]},
        follow=True,
    )
    assert "Viewers read only" in response.content.decode()
    assert settings_of(tenant_a)[3] == after


def test_send_a_test_to_slack(tenant_a, alice, login, settings):
    # The local stand-in for Slack: a loopback host in the list may use http and a port.
    settings.SLACK_WEBHOOK_HOSTS = ["hooks.slack.com", "127.0.0.1"]
    web = login(alice)
    response = web.post(reverse("communications:settings_slack_test"), follow=True)
    assert "There is no Slack webhook URL to test" in response.content.decode()
    with Webhook() as hook:
        with scope(tenant=tenant_a):
            services.communication_settings_update(tenant=tenant_a, slack_webhook_url=hook.url)
        response = web.post(reverse("communications:settings_slack_test"), follow=True)
        (received,) = hook.bodies()
    assert "Sent a test message" in response.content.decode()
    assert received[1]["text"].startswith("Test from postsale by Alice Admin")


def test_settings_page_costs_bounded_queries(tenant_a, alice, login, django_assert_max_num_queries):
    web = login(alice)
    web.get(reverse("communications:settings"))  # the seed's defaults are made on first use
    with django_assert_max_num_queries(20):
        assert web.get(reverse("communications:settings")).status_code == 200


HOOK = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/s3cretTokenXYZabcd"
MASKED = "https://hooks.slack.com/services/T0…/…abcd"


def test_the_slack_webhook_is_shown_masked_to_admins_only_on_the_page_and_never_in_the_api(
    tenant_a, alice, bob, member_of, login, api_as
):
    with scope(tenant=tenant_a):
        services.communication_settings_update(tenant=tenant_a, slack_webhook_url=HOOK)
    viewer = member_of(Role.VIEWER)
    for user, shown in ((alice, True), (bob, False), (viewer, False)):
        page = login(user).get(reverse("communications:settings")).content.decode()
        assert HOOK not in page and "s3cretToken" not in page
        assert (MASKED in page) is shown
        for path in ("/api/v1/tenant/", "/api/v1/me/", "/api/v1/notifications/", "/api/schema/"):
            assert "s3cretToken" not in api_as(user, tenant_a).get(path).content.decode()


def test_an_admin_keeps_replaces_or_removes_the_webhook_without_seeing_it(tenant_a, alice, bob, login):
    with scope(tenant=tenant_a):
        services.communication_settings_update(tenant=tenant_a, slack_webhook_url=HOOK)
    web = login(alice)
    url = reverse("communications:settings_general")
    assert web.post(url, {**GENERAL, "slack_webhook_url": ""}).status_code == 302
    assert settings_of(tenant_a)[0].slack_webhook_url == HOOK
    new = "https://hooks.slack.com/services/T9/B9/newtoken9876"
    assert web.post(url, {**GENERAL, "slack_webhook_url": new}).status_code == 302
    assert settings_of(tenant_a)[0].slack_webhook_url == new
    assert "https://hooks.slack.com/services/T9…/…9876" in web.get(reverse("communications:settings")).content.decode()
    assert web.post(url, {**GENERAL, "remove_slack_webhook": "on"}).status_code == 302
    assert settings_of(tenant_a)[0].slack_webhook_url == ""
    # A CSM may not change it, whatever is posted.
    assert login(bob).post(url, {**GENERAL, "slack_webhook_url": new}).status_code == 403
    assert settings_of(tenant_a)[0].slack_webhook_url == ""
