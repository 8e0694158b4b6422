"""Factories for tests, and what the isolation harness needs to make any tenant-owned object."""

import factory
from django_scopes import scope

from core import tenant_time
from tenancy import services
from tenancy.models import ApiKeyKind, Membership, Role, Team, Tenant, User

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
    # Numbered, not Faker's names: a random "Bobby" once matched a test's search for "bob".
    full_name = factory.Sequence(lambda n: f"Person {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.user_create(password=PASSWORD, **kwargs)


def add_member(tenant, user, role: Role, team: Team = Team.CUSTOMER_SUCCESS) -> Membership:
    """A membership of `user` in `tenant`, made directly (the invitation flow has its own tests)."""
    with scope(tenant=tenant):
        return Membership.objects.create(tenant=tenant, user=user, role=role, team=team)


def make_membership(tenant: Tenant) -> int:
    from tenancy import services

    # Through the one way in: an invitation, accepted by a new person.
    with scope(tenant=tenant):
        invitation = services.invitation_create(
            tenant=tenant, email=f"{CANARY.lower()}-member@alpha.example", role=Role.CSM, team=Team.SUPPORT, by=None
        )
        services.invitation_send(invitation=invitation)
        membership = services.invitation_accept_as_new_person(
            invitation=invitation, full_name=f"{CANARY} Member", password=PASSWORD
        )
        return membership.pk


def make_invitation(tenant: Tenant) -> int:
    from tenancy import services

    with scope(tenant=tenant):
        invitation = services.invitation_create(
            tenant=tenant, email=f"{CANARY.lower()}-invitee@alpha.example", role=Role.VIEWER, team=Team.SALES, by=None
        )
        return invitation.pk


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

    from accounts.models import ImportKind, ImportMode
    from accounts.services import imports as import_services

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


def make_record_import(tenant: Tenant) -> int:
    """A finished import of support tickets for the canary account, with one rejected row (so its file exists)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import ImportMode
    from accounts.services import imports as import_services
    from health.services import record_imports as import_jobs

    data = (
        "account_external_id,external_id,subject,opened_at\n"
        f"canary-account,canary-import-ticket,{CANARY} imported ticket,2025-03-03\n"
        f"nobody,canary-import-bad,{CANARY} bad ticket,2025-03-03\n"
    )
    with scope(tenant=tenant):
        job = import_jobs.record_import_create(
            tenant=tenant,
            kind="ticket",
            mode=ImportMode.VALID_ROWS,
            uploaded_file=SimpleUploadedFile(f"{CANARY} tickets.csv", data.encode()),
            by=_canary_member(),
        )
        # The queued task runs on commit, which a test's transaction never reaches: run it here.
        import_services.import_job_run(job_id=job.pk, tenant=tenant)
        return job.pk


def _make_signal(tenant: Tenant, kind_key: str, **fields) -> int:
    """A signal record of tenant A's canary account, made through the service the API and imports use."""
    from accounts.models import Account, Contact
    from health.models.record_kinds import KINDS
    from health.services import records as record_services

    with scope(tenant=tenant):
        kind = KINDS[kind_key]
        fields["account"] = Account.objects.get(external_id="canary-account")
        if kind.has_contact:
            fields["contact"] = Contact.objects.get(external_id="canary-user")
        return record_services.record_create(tenant=tenant, kind=kind, fields=fields).pk


def make_support_ticket(tenant: Tenant) -> int:
    from django.utils import timezone

    return _make_signal(
        tenant,
        "ticket",
        external_id="canary-ticket",
        subject=f"{CANARY} ticket",
        priority="p1",
        opened_at=timezone.now(),
    )


def make_invoice(tenant: Tenant) -> int:
    import datetime as dt

    return _make_signal(
        tenant,
        "invoice",
        external_id="canary-invoice",
        number=f"{CANARY}-INV",
        amount=1200,
        issued_on=dt.date(2025, 1, 1),
        due_on=dt.date(2025, 1, 31),
    )


def make_subscription_change(tenant: Tenant) -> int:
    import datetime as dt

    return _make_signal(
        tenant,
        "subscription_change",
        external_id="canary-change",
        kind="downgrade",
        effective_on=dt.date(2025, 2, 1),
        plan_before="Enterprise",
        plan_after=f"{CANARY} plan",
    )


def make_meeting(tenant: Tenant) -> int:
    import datetime as dt

    from django.utils import timezone

    return _make_signal(
        tenant,
        "meeting",
        external_id="canary-meeting",
        kind="qbr",
        title=f"{CANARY} QBR",
        status="held",
        scheduled_at=timezone.now() - dt.timedelta(days=3),
    )


def make_nps_response(tenant: Tenant) -> int:
    import datetime as dt

    return _make_signal(
        tenant, "nps", external_id="canary-nps", score=3, comment=f"{CANARY} comment", responded_on=dt.date(2025, 3, 1)
    )


def make_event_definition(tenant: Tenant) -> int:
    """A catalogue entry, made the way products make them: by sending a track call."""
    from health.ingestion.services import ingest
    from health.models import EventDefinition

    name = f"{CANARY} Report Created"
    call = {"type": "track", "userId": "canary-user", "event": name, "context": {"groupId": "canary-account"}}
    ingest(tenant=tenant, calls=[call])
    with scope(tenant=tenant):
        return EventDefinition.objects.get(tenant=tenant, name=name).pk


def make_health_score(tenant: Tenant) -> int:
    """Today's snapshot of the canary account, through the recompute its page offers."""
    from accounts.models import Account
    from health.models import HealthScore
    from health.services import scores as scoring_services

    with scope(tenant=tenant):
        account = Account.objects.get(tenant=tenant, external_id="canary-account")
        scoring_services.account_recompute(account=account)
        return HealthScore.objects.filter(tenant=tenant, account=account).latest("day").pk


def make_contact_health(tenant: Tenant) -> int:
    """The canary contact's own health, written by the recompute of make_health_score."""
    from health.models import ContactHealth

    with scope(tenant=tenant):
        return ContactHealth.objects.get(tenant=tenant, contact__external_id="canary-user").pk


def make_health_signal(tenant: Tenant) -> int:
    """An open signal on the canary account, raised through detection's sync as the recompute does."""

    from accounts.models import Account
    from health.models import HealthSignal, Severity, SignalKind
    from health.services import detection

    with scope(tenant=tenant):
        account = Account.objects.get(tenant=tenant, external_id="canary-account")
        wanted = detection.Wanted(
            account.pk, SignalKind.SCORE_DROP, "account", Severity.HIGH, f"{CANARY} health fell 20 points in 7 days."
        )
        detection.signals_sync(
            tenant=tenant,
            account_ids=[account.pk],
            wanted=[wanted],
            today=tenant_time.today(tenant),
            cooldown_days={},
        )
        return HealthSignal.objects.get(tenant=tenant, account=account, kind=SignalKind.SCORE_DROP).pk


def make_measure_key(tenant: Tenant) -> str:
    """Not an object: a measure of the model, so the drill-down URL resolves for tenant A."""
    return "active_seats"


def make_recompute_run(tenant: Tenant) -> int:
    """An on-demand recompute of tenant A, started as the admin's button does."""
    from health.services import runs

    with scope(tenant=tenant):
        return runs.run_start_manual(tenant=tenant, by=None).pk


def make_health_model(tenant: Tenant) -> int:
    """A second version of tenant A's all-segments model, saved as the editor saves one."""
    from health.services import scores as scoring_services

    with scope(tenant=tenant):
        saved = scoring_services.health_model_save(
            tenant=tenant, segment="", measures={"active_seats": {"weight": 100}}, note=f"{CANARY} weights", by=None
        )
        return saved.pk


def _canary_track():
    from journeys.models import JourneyTrack

    return JourneyTrack.objects.get(account__external_id="canary-account", name=f"{CANARY} track")


def make_journey_track(tenant: Tenant) -> int:
    """A track of the canary account, in adoption, started as the account page's form starts one."""
    from accounts.models import Account
    from journeys import services as journey_services

    with scope(tenant=tenant):
        track = journey_services.track_create(
            tenant=tenant,
            account=Account.objects.get(external_id="canary-account"),
            name=f"{CANARY} track",
            stage="adoption",
            by=None,
        )
        return track.pk


def make_stage_transition(tenant: Tenant) -> int:
    """The canary track moved back to onboarding (a regression with its reason)."""
    from journeys import services as journey_services

    with scope(tenant=tenant):
        transition = journey_services.track_transition(
            track=_canary_track(), to_stage="onboarding", by=None, reason="other", reason_text=f"{CANARY} regression"
        )
        return transition.pk


def make_exit_criterion(tenant: Tenant) -> int:
    """Onboarding's go-live confirmation: the tenant's default criteria, made on first use."""
    from journeys.models import ExitCriterion
    from journeys.selectors.criteria import exit_criteria_ensure

    with scope(tenant=tenant):
        exit_criteria_ensure(tenant=tenant)
        return ExitCriterion.objects.get(stage="onboarding", key="go_live_confirmed").pk


def make_criterion_check(tenant: Tenant) -> int:
    """The go-live confirmation ticked on the canary track (now in onboarding)."""
    from journeys import services as journey_services
    from journeys.models import ExitCriterion

    with scope(tenant=tenant):
        check = journey_services.criterion_check(
            track=_canary_track(),
            criterion=ExitCriterion.objects.get(stage="onboarding", key="go_live_confirmed"),
            by=None,
            note=f"{CANARY} confirmed",
        )
        return check.pk


def make_track_flag(tenant: Tenant) -> int:
    """A suggested regression on the canary account's tracks, as a champion leaving raises it."""
    from accounts.models import Account
    from journeys import services as journey_services

    with scope(tenant=tenant):
        flags = journey_services.tracks_flag_for_review(
            tenant=tenant,
            account=Account.objects.get(external_id="canary-account"),
            kind="champion_lost",
            why=f"Champion {CANARY} Contact is no longer active",
        )
        return flags[0].pk


def make_stage_expectation(tenant: Tenant) -> int:
    from journeys import services as journey_services
    from journeys.models import StageExpectation

    with scope(tenant=tenant):
        journey_services.expectations_for(tenant=tenant)
        return StageExpectation.objects.get(stage="onboarding", segment="mid_market").pk


def make_objective(tenant: Tenant) -> int:
    """A success-plan objective of the canary account."""
    from accounts.models import Account
    from journeys import services as journey_services

    with scope(tenant=tenant):
        objective = journey_services.objective_create(
            tenant=tenant,
            account=Account.objects.get(external_id="canary-account"),
            title=f"{CANARY} objective",
            metric="Invoice processing time",
            unit="hours",
            baseline=48,
            target=12,
        )
        return objective.pk


def make_measurement(tenant: Tenant) -> int:
    import datetime as dt

    from journeys import services as journey_services
    from journeys.models import Objective

    with scope(tenant=tenant):
        measurement = journey_services.measurement_record(
            objective=Objective.objects.get(title=f"{CANARY} objective"),
            value=30,
            measured_on=dt.date(2026, 11, 1),
            by=None,
            note=f"{CANARY} measured",
        )
        return measurement.pk


def make_milestone(tenant: Tenant) -> int:
    import datetime as dt

    from accounts.models import Account
    from journeys import services as journey_services

    with scope(tenant=tenant):
        milestone = journey_services.milestone_create(
            tenant=tenant,
            account=Account.objects.get(external_id="canary-account"),
            title=f"{CANARY} milestone",
            due_on=dt.date(2026, 12, 15),
        )
        return milestone.pk


def _canary_account():
    from accounts.models import Account

    return Account.objects.get(external_id="canary-account")


def _canary_contract():
    from renewals.models import Contract

    return Contract.objects.select_related("account").get(reference=f"{CANARY} contract")


def make_runway_step(tenant: Tenant) -> int:
    """A mid-market runway step of its own (T-45), added as the settings page adds one; the canary contract's
    renewal, made next, gets it as a checkpoint."""
    from renewals import services as renewal_services
    from renewals.models import RunwayStep

    with scope(tenant=tenant):
        renewal_services.runway_steps(tenant=tenant)
        step = RunwayStep(
            tenant=tenant, segment="mid_market", days_before=45, title=f"{CANARY} step", description="Executive call"
        )
        return renewal_services.runway_step_save(step=step).pk


def make_outcome_reason(tenant: Tenant) -> int:
    from renewals import services as renewal_services
    from renewals.models import OutcomeReason

    with scope(tenant=tenant):
        renewal_services.outcome_reasons(tenant=tenant)
        reason = OutcomeReason(tenant=tenant, label=f"{CANARY} reason", applies_to="churn", position=99)
        return renewal_services.outcome_reason_save(reason=reason).pk


def make_contract(tenant: Tenant) -> int:
    """A yearly contract of the canary account that started 100 days ago: its renewal opens with the runway."""
    import datetime as dt
    from decimal import Decimal

    from renewals import services as renewal_services

    with scope(tenant=tenant):
        today = tenant_time.today(tenant)
        contract = renewal_services.contract_create(
            tenant=tenant,
            account=_canary_account(),
            start_on=today - dt.timedelta(days=100),
            arr=Decimal(40_000),
            seats=40,
            reference=f"{CANARY} contract",
            today=today - dt.timedelta(days=100),
        )
        return contract.pk


def make_amendment(tenant: Tenant) -> int:
    import datetime as dt
    from decimal import Decimal

    from renewals import services as renewal_services

    with scope(tenant=tenant):
        contract = _canary_contract()
        amendment = renewal_services.contract_amend(
            contract=contract,
            kind="seats_added",
            effective_on=contract.start_on + dt.timedelta(days=30),
            arr_change=Decimal(5_000),
            seats_change=5,
            note=f"{CANARY} amendment",
        )
        return amendment.pk


def _canary_renewal():
    from renewals.models import Renewal

    return Renewal.objects.select_related("contract", "account").get(contract=_canary_contract())


def make_renewal(tenant: Tenant) -> int:
    with scope(tenant=tenant):
        return _canary_renewal().pk


def make_checkpoint(tenant: Tenant) -> int:
    """The canary renewal's checkpoint from the canary runway step."""
    from renewals.models import Checkpoint

    with scope(tenant=tenant):
        return Checkpoint.objects.get(renewal=_canary_renewal(), title=f"{CANARY} step").pk


def make_forecast_change(tenant: Tenant) -> int:
    """The owner's override of the canary renewal's forecast, with its reason."""
    from renewals import services as renewal_services
    from renewals.models import ForecastChange

    with scope(tenant=tenant):
        renewal = renewal_services.renewal_set_forecast(
            renewal=_canary_renewal(), category="at_risk", by=_canary_member(), reason=f"{CANARY} budget freeze"
        )
        return ForecastChange.objects.filter(renewal=renewal, is_override=True).latest("changed_at").pk


def make_opportunity(tenant: Tenant) -> int:
    from decimal import Decimal

    from renewals import services as renewal_services

    with scope(tenant=tenant):
        opportunity = renewal_services.opportunity_create(
            tenant=tenant,
            account=_canary_account(),
            title=f"{CANARY} 20 more seats",
            kind="seats",
            value=Decimal(8_000),
            by=None,
        )
        return opportunity.pk


# --- communications: tenant A's canary account, through the services the product uses -------------------------


def _canary_contact():
    from accounts.models import Contact

    return Contact.objects.get(external_id="canary-user")


def _canary_entry(subject: str):
    from communications.models import CalendarEntry

    return CalendarEntry.objects.get(subject=f"{CANARY} {subject}")


def _plan_canary_entry(tenant: Tenant, subject: str, *, days: float = 3, **fields):
    import datetime as dt

    from django.utils import timezone

    from communications.services import entries as entry_services

    fields.setdefault("message_type", "relationship")
    return entry_services.entry_create(
        tenant=tenant,
        account=_canary_account(),
        by=None,
        owner=_canary_member(),
        subject=f"{CANARY} {subject}",
        body=f"{CANARY} body",
        scheduled_at=timezone.now() + dt.timedelta(days=days),
        contacts=[_canary_contact()],
        **fields,
    )


def make_calendar_entry(tenant: Tenant) -> int:
    """A relationship email to the canary contact in three days, scheduled under the rules."""
    with scope(tenant=tenant):
        return _plan_canary_entry(tenant, "check-in").pk


def make_approval(tenant: Tenant) -> int:
    """The approval request of a bulk send: the threshold is set to 0 for it, then back to its value."""
    from communications.models import Approval
    from communications.services import settings as communication_settings

    with scope(tenant=tenant):
        threshold = communication_settings.communication_settings(tenant=tenant).bulk_threshold
        communication_settings.communication_settings_update(tenant=tenant, bulk_threshold=0)
        entry = _plan_canary_entry(tenant, "newsletter", days=5, message_type="educational")
        communication_settings.communication_settings_update(tenant=tenant, bulk_threshold=threshold)
        return Approval.objects.get(entry=entry).pk


def make_calendar_import(tenant: Tenant) -> int:
    """A processed campaign import of one send to the canary contact, and one rejected row."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from communications.services import imports as import_services

    at = (timezone.now() + dt.timedelta(days=9)).astimezone(tenant.zone).strftime("%Y-%m-%dT%H:%M")
    data = (
        "account,contact emails,type,channel,scheduled at,subject,external id\n"
        f"canary-account,canary.contact@alpha.example,Operational,In-app,{at},{CANARY} release notes,canary-1\n"
        f"nowhere,,Operational,Email,{at},{CANARY} bad row,canary-2\n"
    )
    with scope(tenant=tenant):
        calendar_import = import_services.calendar_import_create(
            tenant=tenant,
            uploaded_file=SimpleUploadedFile(f"{CANARY} campaigns.csv", data.encode()),
            team="marketing",
            by=_canary_member(),
        )
        # The queued task runs on commit, which a test's transaction never reaches: run it here.
        import_services.calendar_import_run(tenant=tenant, import_id=calendar_import.pk)
        return calendar_import.pk


def make_cadence(tenant: Tenant) -> int:
    from communications.services import cadences as cadence_services

    with scope(tenant=tenant):
        cadence_services.cadences_ensure_defaults(tenant=tenant)
        cadence = cadence_services.cadence_save(
            tenant=tenant, key="canary", anchor="enrolled", name=f"{CANARY} cadence", description=f"{CANARY} steps"
        )
        return cadence.pk


def make_cadence_step(tenant: Tenant) -> int:
    from communications.models import Cadence
    from communications.services import cadences as cadence_services

    with scope(tenant=tenant):
        step = cadence_services.cadence_step_save(
            cadence=Cadence.objects.get(key="canary"),
            offset_days=2,
            send_hour=10,
            message_type="educational",
            channel="in_app",
            subject=f"{CANARY} tip for {{{{ account.name }}}}",
            body=f"{CANARY} step body",
        )
        return step.pk


def make_enrollment(tenant: Tenant) -> int:
    """The canary account enrolled by hand in the canary cadence from today: its step is planned."""
    from communications.models import Cadence
    from communications.services import cadences as cadence_services

    with scope(tenant=tenant):
        enrollment = cadence_services.enrollment_enrol(
            cadence=Cadence.objects.get(key="canary"),
            account=_canary_account(),
            anchor_on=tenant_time.today(tenant),
            anchor_ref=CANARY.lower(),
            by=_canary_member(),
        )
        return enrollment.pk


def make_delivery(tenant: Tenant) -> int:
    """An in-app message and a call to the canary contact in an hour, delivered by the outbox two hours
    from now: a Delivery the contact's product fetches, and the owner's task for the call."""
    import datetime as dt

    from django.utils import timezone

    from communications.models import Delivery
    from communications.services import outbox

    with scope(tenant=tenant):
        entry = _plan_canary_entry(tenant, "in-app tip", days=1 / 24, message_type="educational", channel="in_app")
        _plan_canary_entry(tenant, "call", days=1 / 24, channel="call")
        outbox.outbox_send_due(tenant=tenant, now=timezone.now() + dt.timedelta(hours=2))
        return Delivery.objects.get(entry=entry).pk


def make_engagement_event(tenant: Tenant) -> int:
    """A reply to the in-app tip, logged by hand."""
    from communications.services import tracking

    with scope(tenant=tenant):
        event = tracking.engagement_event_log(
            entry=_canary_entry("in-app tip"),
            kind="reply",
            contact=_canary_contact(),
            note=f"{CANARY} reply",
            by=_canary_member(),
        )
        return event.pk


def make_owner_task(tenant: Tenant) -> int:
    """The owner's task (an activities.Task of source cadence_step) for the call the outbox handed over in
    make_delivery."""
    from communications.selectors.owner_tasks import owner_task_of_entry

    with scope(tenant=tenant):
        task = owner_task_of_entry(tenant=tenant, entry=_canary_entry("call"))
        assert task is not None
        return task.pk


def make_calendar_feed(tenant: Tenant) -> int:
    from communications.services import feeds

    with scope(tenant=tenant):
        feed, _secret = feeds.feed_create(tenant=tenant, kind="account", by=_canary_member(), account=_canary_account())
        return feed.pk


def make_notification(tenant: Tenant) -> int:
    from communications.services import notifications

    with scope(tenant=tenant):
        notification = notifications.notification_raise(
            tenant=tenant,
            account=_canary_account(),
            text=f"Power user {CANARY} Contact inactive 21 days. Time for a check-in.",
            source_key="canary:power-user",
        )
        return notification.pk


def make_activity_task(tenant: Tenant) -> int:
    """A task by hand on the canary account, owned by the canary member (activities)."""
    from activities.services.tasks import TaskDraft, task_create

    with scope(tenant=tenant):
        draft = TaskDraft(
            title=f"{CANARY} follow-up call",
            due_on=tenant_time.today(tenant),
            account_id=_canary_account().pk,
            owner_id=_canary_member().pk,
            kind="call",
        )
        task, _ = task_create(tenant=tenant, draft=draft)
        return task.pk


def make_note(tenant: Tenant) -> int:
    from activities.services.notes import note_log

    with scope(tenant=tenant):
        return note_log(
            tenant=tenant, account=_canary_account(), author=_canary_member(), kind="call", body=f"{CANARY} call notes"
        ).pk


def make_preview_job(tenant: Tenant) -> int:
    """A playbook preview of a draft definition (playbooks), started as the editor starts one."""
    from playbooks.services.preview import preview_start

    with scope(tenant=tenant):
        return preview_start(tenant=tenant, by=_canary_member(), definition={"trigger": "account_created"}).pk


def make_playbook(tenant: Tenant) -> int:
    """A playbook (playbooks) made through the editor's service: the canary account's red health, a call task."""
    from playbooks.services.playbooks import playbook_create

    with scope(tenant=tenant):
        return playbook_create(
            tenant=tenant,
            by=_canary_member(),
            name=f"{CANARY} red play",
            trigger="band_changed",
            trigger_params={"to": "red"},
            actions=[{"type": "create_task", "title": f"{CANARY} call"}],
        ).pk


def make_playbook_run(tenant: Tenant) -> int:
    """A run of that playbook on the canary account, by hand."""
    from playbooks.models import Playbook
    from playbooks.services.by_hand import run_by_hand

    with scope(tenant=tenant):
        playbook = Playbook.objects.get(tenant=tenant, name=f"{CANARY} red play")
        return run_by_hand(tenant=tenant, playbook=playbook, account=_canary_account(), by=_canary_member()).pk


# URL keyword -> a function that makes tenant A's object and returns the id to put there.
# Later issues add their own keywords (account_id, renewal_id, ...). Order matters:
# a maker may rely on the objects of the makers before it.
OBJECT_MAKERS = {
    "membership_id": make_membership,
    "invitation_id": make_invitation,
    "api_key_id": make_api_key,
    "write_key_id": make_write_key,
    "tier_id": make_tier,
    "account_id": make_account,
    "contact_id": make_contact,
    "custom_field_id": make_custom_field,
    "import_job_id": make_import_job,
    "event_definition_id": make_event_definition,
    "support_ticket_id": make_support_ticket,
    "invoice_id": make_invoice,
    "subscription_change_id": make_subscription_change,
    "meeting_id": make_meeting,
    "nps_response_id": make_nps_response,
    "record_import_id": make_record_import,
    "health_score_id": make_health_score,
    "contact_health_id": make_contact_health,
    "health_signal_id": make_health_signal,
    "measure_key": make_measure_key,
    "recompute_run_id": make_recompute_run,
    "health_model_id": make_health_model,
    "track_id": make_journey_track,
    "transition_id": make_stage_transition,
    "criterion_id": make_exit_criterion,
    "check_id": make_criterion_check,
    "flag_id": make_track_flag,
    "expectation_id": make_stage_expectation,
    "objective_id": make_objective,
    "measurement_id": make_measurement,
    "milestone_id": make_milestone,
    "runway_step_id": make_runway_step,
    "outcome_reason_id": make_outcome_reason,
    "contract_id": make_contract,
    "amendment_id": make_amendment,
    "renewal_id": make_renewal,
    "checkpoint_id": make_checkpoint,
    "forecast_change_id": make_forecast_change,
    "opportunity_id": make_opportunity,
    "entry_id": make_calendar_entry,
    "approval_id": make_approval,
    "import_id": make_calendar_import,
    "cadence_id": make_cadence,
    "step_id": make_cadence_step,
    "enrollment_id": make_enrollment,
    "delivery_id": make_delivery,
    "event_id": make_engagement_event,
    "task_id": make_owner_task,
    "feed_id": make_calendar_feed,
    "notification_id": make_notification,
    "preview_id": make_preview_job,
    "activity_task_id": make_activity_task,
    "note_id": make_note,
    "playbook_id": make_playbook,
    "playbook_run_id": make_playbook_run,
}
