import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from journeys import services
from journeys.models import ExitCriterion, JourneyTrack, StageTransition
from journeys.selectors.criteria import exit_criteria_by_stage

from ..accounts.builders import make_account
from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def onboarding_with_only_go_live_unmet(tenant, owner):
    """An account in onboarding whose only unmet exit criterion is the customer's go-live confirmation."""
    acme = make_account(tenant, 1, owner=owner)
    with scope(tenant=tenant):
        # The live server commits, so the new account has started its Core platform track already.
        track = JourneyTrack.objects.filter(tenant=tenant, account=acme).first() or services.track_create(
            tenant=tenant, account=acme, name="Core platform", by=None
        )
        exit_criteria_by_stage(tenant=tenant)
        criteria = {c.key: c for c in ExitCriterion.objects.filter(tenant=tenant, stage="onboarding")}
        for key in ("implementation_done", "use_case_live"):
            services.criterion_check(track=track, criterion=criteria[key], by=owner)
        # First business value: an objective with a measurement that moved towards its target.
        objective = services.objective_create(
            tenant=tenant,
            account=acme,
            title="Invoice processing time",
            metric="Hours per invoice",
            baseline=Decimal(48),
            target=Decimal(12),
        )
        services.measurement_record(objective=objective, value=Decimal(30), measured_on=dt.date.today(), by=owner)
        # Core users trained and active is evaluated from usage: this test is about the go-live
        # confirmation, so the data criterion is taken out of use rather than faked with usage.
        services.exit_criterion_update(criterion=criteria["core_users_active"], is_active=False)
        services.track_status_refresh(track=track)
    return acme, track


def test_move_a_track_to_adoption_after_confirming_go_live(page, tenant_a, bob):
    acme, track = onboarding_with_only_go_live_unmet(tenant_a, bob)
    page.goto("/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/journeys/")
    card = page.locator(f"#card-{track.pk}")
    expect(page.get_by_test_id("column-onboarding").locator(f"#card-{track.pk}")).to_be_visible()
    expect(card).to_contain_text(acme.name)
    card.get_by_role("button", name="Move").click()
    card.get_by_role("link", name="Adoption").click()

    # The transition form opens in a modal over the board.
    expect(page.locator("#move-modal").get_by_test_id("move-kind")).to_contain_text("advanced")
    page.get_by_role("button", name="Move to Adoption").click()
    errors = page.get_by_test_id("move-errors")
    expect(errors).to_contain_text("1 exit criteria are not met: The customer has confirmed go-live.")
    with scope(tenant=tenant_a):
        assert track.transitions.count() == 1  # only its start

    page.get_by_label("The customer has confirmed go-live").check()
    page.get_by_role("button", name="Move to Adoption").click()

    expect(page.get_by_role("alert").filter(has_text="advanced to Adoption")).to_be_visible()
    expect(page.get_by_test_id("column-adoption").locator(f"#card-{track.pk}")).to_be_visible()
    expect(page.get_by_test_id("column-onboarding").locator(f"#card-{track.pk}")).to_have_count(0)
    with scope(tenant=tenant_a):
        moved = StageTransition.objects.filter(tenant=tenant_a, track=track).latest("at")
        assert (moved.kind, moved.from_stage, moved.to_stage) == ("advance", "onboarding", "adoption")
        assert not moved.overridden and moved.by == bob
        snapshot = {c["key"]: c["met"] for c in moved.criteria}
        assert snapshot["go_live_confirmed"] is True
        assert all(snapshot.values()) and "core_users_active" not in snapshot


HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def test_dropping_a_card_on_another_stage_opens_the_move_form(page, tenant_a, bob):
    acme, track = onboarding_with_only_go_live_unmet(tenant_a, bob)
    page.goto("/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/journeys/")
    page.locator(f"#card-{track.pk}").drag_to(page.get_by_test_id("column-retention"))
    modal = page.locator("#move-modal")
    expect(modal.get_by_role("heading", name=f"Move {acme.name} · Core platform")).to_be_visible()
    expect(modal.get_by_test_id("move-kind")).to_contain_text("skipped ahead")
    expect(modal.locator("#id_to_stage")).to_have_value("retention")
    # Choosing another target fetches the form for that kind of move.
    modal.locator("#id_to_stage").select_option("onboarding")
    expect(modal.get_by_test_id("move-kind")).to_contain_text("re-entered")
    # The new select listens only once htmx has settled the swapped form; a person is never that quick.
    page.wait_for_function(HTMX_IDLE)
    modal.locator("#id_to_stage").select_option("adoption")
    expect(modal.get_by_test_id("move-kind")).to_contain_text("advanced")
    expect(modal.get_by_role("button", name="Move to Adoption")).to_be_visible()
