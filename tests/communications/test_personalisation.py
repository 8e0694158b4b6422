"""Merge fields: a fixed context, defaults and fallbacks, missing values reported, and a sandbox that reaches
nothing but the context (no settings, no related objects, no template tags)."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from communications import services
from communications.composing.merge import MERGE_FIELDS, USAGE_PATTERN, render
from communications.selectors.personalisation import entry_merge_problems, entry_preview, merge_context
from core import tenant_time
from core.text import day
from renewals import peers as renewal_peers
from renewals import services as renewal_services

from ..health.builders import post, track, write_key
from .builders import contact_of, entry_for, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob, segment="enterprise")


@pytest.fixture
def jane(tenant_a, account):
    return contact_of(tenant_a, account, 1, name="Jane Roe", title="Head of Operations")


def context_for(tenant, account, contact, owner=None, today=None):
    with scope(tenant=tenant):
        return merge_context(tenant=tenant, account=account, contact=contact, owner=owner, today=today)


def later(tenant, days=10) -> dt.datetime:
    return timezone.now().astimezone(tenant.zone).replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(
        days=days
    )


# Rendering


def test_known_fields_are_filled_from_the_context(tenant_a, account, jane, bob):
    context = context_for(tenant_a, account, jane, owner=bob)

    result = render(
        "Hi {{ contact.first_name }} ({{contact.title}}), {{ csm.name }} of {{ tenant.name }} here about "
        "{{ account.name }}, {{ account.segment }}. Write to {{ csm.email }}.",
        context,
    )

    assert result.text == (
        "Hi Jane (Head of Operations), Bob Csm of Tenant Alpha here about Account 001, Enterprise. "
        "Write to bob@alpha.example."
    )
    assert result.missing == [] and result.unknown == []
    assert context["contact.name"] == "Jane Roe" and context["contact.email"] == jane.email
    assert context["csm.first_name"] == "Bob"


def test_every_documented_field_is_in_the_context(tenant_a, account, jane, bob):
    context = context_for(tenant_a, account, jane, owner=bob)

    documented = {name for name in MERGE_FIELDS if name != USAGE_PATTERN}
    assert documented <= set(context)
    assert all(value is None or isinstance(value, str) for value in context.values())


def test_inline_default_and_entry_fallback_fill_a_missing_value(tenant_a, account):
    untitled = contact_of(tenant_a, account, 2, name="John Doe")
    context = context_for(tenant_a, account, untitled)

    assert render('As {{ contact.title | default:"a user" }}!', context).text == "As a user!"
    assert render("As {{ contact.title|default:'our user' }}!", context).text == "As our user!"
    fallback = render("As {{ contact.title }}!", context, {"contact.title": "an admin"})
    assert fallback.text == "As an admin!" and fallback.missing == []
    # A value present wins over both.
    assert render('Hi {{ contact.first_name | default:"there" }}', context, {"contact.first_name": "x"}).text == (
        "Hi John"
    )


def test_a_missing_value_without_fallback_is_reported_and_marked(tenant_a, account, jane):
    context = context_for(tenant_a, account, jane)  # no CSM, no renewal, no health yet

    result = render("Renews {{ renewal.date }}; {{ csm.name }} and {{ renewal.date }}", context)

    assert result.missing == ["renewal.date", "csm.name"]
    assert result.text == "Renews ;  and "
    assert '<mark class="merge-missing"' in result.html and "{{ renewal.date }}" in result.html


def test_next_renewal_and_health_come_from_their_apps(tenant_a, account, jane):
    today = tenant_time.today(tenant_a)
    with scope(tenant=tenant_a):
        renewal_services.contract_create(
            tenant=tenant_a, account=account, start_on=today - dt.timedelta(days=300), arr=50_000, today=today
        )
        account.refresh_from_db()
    context = context_for(tenant_a, account, jane)

    with scope(tenant=tenant_a):
        due = renewal_peers.accounts_next_renewal(tenant=tenant_a, account_ids=[account.pk])[account.pk]
    assert context["renewal.date"] == day(due)
    assert context["health.score"] is None  # not scored yet: missing, not "None"


# The sandbox


@pytest.mark.parametrize(
    "template",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ account.owner.password }}",
        "{{ contact.__class__.__mro__ }}",
        "{{ request }}",
        "{{ contact.first_name.__class__ }}",
        "{{ contact.first_name|safe }}",
        "{{ contact.first_name | default:settings.SECRET_KEY }}",
    ],
)
def test_nothing_outside_the_context_is_reachable(tenant_a, account, jane, bob, template):
    context = context_for(tenant_a, account, jane, owner=bob)

    result = render(f"Hello {template}", context)

    assert settings.SECRET_KEY not in result.text
    assert "pbkdf2" not in result.text and "<class" not in result.text
    assert result.unknown == [template]
    assert result.text == f"Hello {template}"  # left as written, and it blocks sending


def test_block_tags_are_text_and_reported(tenant_a, account, jane):
    context = context_for(tenant_a, account, jane)

    result = render("{% load static %}{% static 'x.css' %}{% debug %} Hi {{ contact.first_name }}", context)

    assert result.text == "{% load static %}{% static 'x.css' %}{% debug %} Hi Jane"
    assert result.unknown == ["{% load static %}", "{% static 'x.css' %}", "{% debug %}"]


def test_an_unclosed_tag_is_reported(tenant_a, account, jane):
    result = render("Hi {{ contact.first_name }", context_for(tenant_a, account, jane))

    assert result.unknown == ["{{ contact.first_name }"]


def test_the_preview_escapes_what_it_shows(tenant_a, account):
    evil = contact_of(tenant_a, account, 3, name="<script>alert(1)</script> Roe")

    result = render("Hi {{ contact.name }} {{ nope }}", context_for(tenant_a, account, evil))

    assert "<script>" not in result.html and "&lt;script&gt;" in result.html
    assert '<mark class="merge-unknown"' in result.html


# Usage figures, from rollups the tracking API wrote


def test_usage_of_this_month_comes_from_the_rollups(tenant_a, account, jane):
    with scope(tenant=tenant_a):
        jane.external_id = "u-jane"
        jane.save(update_fields=["external_id"])
        account.external_id = "acme"
        account.save(update_fields=["external_id"])
    now = timezone.now()
    last_month = now.astimezone(tenant_a.zone).replace(day=1) - dt.timedelta(days=3)
    calls = [track("u-jane", event="Report Exported", timestamp=now.isoformat()) for _ in range(3)]
    calls += [track("u-jane", event="Logged In", timestamp=now.isoformat())]
    calls += [track("u-jane", event="Report Exported", timestamp=last_month.isoformat())]
    response = post(Client(), "/v1/batch", {"batch": calls}, secret=write_key(tenant_a))
    assert response.status_code == 200, response.content

    context = context_for(tenant_a, account, jane)
    result = render(
        "Your team used reports {{ usage.report_exported.month }} times this month; most used: "
        "{{ usage.top_feature.month }}. {{ usage.dashboard_shared.month }}",
        context,
    )

    assert result.text.startswith("Your team used reports 3 times this month; most used: Report Exported.")
    assert context["usage.logged_in.month"] == "1"
    # Not used this month: missing (a typo in the event name shows up the same way), not "0".
    assert result.missing == ["usage.dashboard_shared.month"] and result.unknown == []


# The entry's problems and preview


def test_entry_merge_problems_name_each_field_and_recipient(tenant_a, account, jane):
    john = contact_of(tenant_a, account, 2, name="John Doe")
    ann = contact_of(tenant_a, account, 3, name="Ann Lee")
    with scope(tenant=tenant_a):
        entry = entry_for(
            tenant_a,
            account,
            at=later(tenant_a),
            contacts=[jane, john, ann],
            subject="Hi {{ contact.first_name }}, {{ contact.title }}: {{ settings.SECRET_KEY }}",
            body="{% load static %}Your renewal is on {{ renewal.date }}.",
            schedule=False,
        )
        problems = entry_merge_problems(entry=entry)

    assert problems == [
        "{{ settings.SECRET_KEY }} is not a merge field; use one of the listed fields, e.g. {{ contact.first_name }}.",
        "{% load static %} is not allowed: only merge fields such as {{ contact.first_name }} are filled in.",
        "contact.title is empty for Ann Lee and John Doe; give a fallback.",
        "renewal.date is empty for Account 001; give a fallback.",
    ]


def test_scheduling_is_blocked_until_a_fallback_is_given(tenant_a, account, jane):
    john = contact_of(tenant_a, account, 2, name="John Doe")
    with scope(tenant=tenant_a):
        entry = entry_for(
            tenant_a, account, at=later(tenant_a), contacts=[john], subject="As {{ contact.title }}", schedule=False
        )
        with pytest.raises(ValidationError) as error:
            services.entry_schedule(entry=entry, by=None)
        assert "contact.title is empty for John Doe; give a fallback." in str(error.value)
        services.entry_update(entry=entry, by=None, fallbacks={"contact.title": "our user"})
        scheduled = services.entry_schedule(entry=entry, by=None)

    assert scheduled.status == "scheduled"


def test_preview_with_a_real_contact_marks_what_is_missing(tenant_a, account, jane, bob):
    with scope(tenant=tenant_a):
        entry = entry_for(
            tenant_a,
            account,
            at=later(tenant_a),
            contacts=[jane],
            subject="{{ contact.first_name }}, your renewal",
            body="Due {{ renewal.date }}. {{ csm.name }}",
            schedule=False,
        )
        preview = entry_preview(entry=entry, contact=jane)

    assert preview.subject == "Jane, your renewal"
    assert preview.body == "Due . Bob Csm"
    assert preview.missing == ["renewal.date"] and preview.unknown == []
    assert '<mark class="merge-missing" title="No value and no fallback">{{ renewal.date }}</mark>' in preview.body_html


def test_outline_shows_a_template_readably_without_looking_anything_up():
    from communications.composing.merge import outline

    text = 'Hi {{ contact.first_name | default:"there" }}: your renewal on {{ renewal.date }} {{ settings.SECRET_KEY }}'
    assert outline(text) == "Hi there: your renewal on [renewal date] {{ settings.SECRET_KEY }}"
