"""Every REST endpoint under /api/v1/; each app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from activities.api import notes as activity_notes_api
from activities.api import tasks as activity_tasks_api
from communications.api import approvals as communication_approvals_api
from communications.api import cadences as communication_cadences_api
from communications.api import entries as communication_entries_api
from communications.api import imports as communication_imports_api
from communications.api import notifications as communication_notifications_api
from communications.api import owner_tasks as communication_owner_tasks_api
from communications.api import preferences as communication_preferences_api
from communications.api import tracking as communication_tracking_api
from health.api import model as health_model_api
from health.api import records as records_api
from health.api import scores as scoring_api
from health.api import usage as health_api
from journeys.api import analytics as journey_analytics_api
from journeys.api import plans as plans_api
from journeys.api import tracks as journeys_api
from playbooks.api import playbooks as playbooks_api
from playbooks.api import previews as playbook_previews_api
from playbooks.api import runs as playbook_runs_api
from renewals.api import contracts as contracts_api
from renewals.api import metrics as renewal_metrics_api
from renewals.api import pipeline as pipeline_api
from renewals.api import renewals as renewals_api
from renewals.api import settings as renewal_settings_api
from workspace.api import invitations as workspace_invitations_api
from workspace.api import keys as workspace_keys_api
from workspace.api import members as workspace_members_api
from workspace.api import tenants as workspace_tenants_api

router = DefaultRouter(trailing_slash=True)
router.register("members", workspace_members_api.MembershipViewSet, basename="membership")
router.register("invitations", workspace_invitations_api.InvitationViewSet, basename="invitation")
router.register("api-tokens", workspace_keys_api.ApiTokenViewSet, basename="api-token")
router.register("write-keys", workspace_keys_api.WriteKeyViewSet, basename="write-key")
router.register("accounts", accounts_api.AccountViewSet, basename="account")
router.register("contacts", accounts_api.ContactViewSet, basename="contact")
router.register("tiers", accounts_api.ServiceTierViewSet, basename="tier")
router.register("custom-fields", accounts_api.CustomFieldDefinitionViewSet, basename="custom-field")
router.register("tier-history", accounts_api.TierChangeViewSet, basename="tier-change")
router.register("tasks", activity_tasks_api.TaskViewSet, basename="task")
router.register("notes", activity_notes_api.NoteViewSet, basename="note")
router.register("event-definitions", health_api.EventDefinitionViewSet, basename="event-definition")
router.register("event-rollups", health_api.EventRollupViewSet, basename="event-rollup")
router.register("ingestion-errors", health_api.IngestionErrorViewSet, basename="ingestion-error")
router.register("support-tickets", records_api.SupportTicketViewSet, basename="support-ticket")
router.register("invoices", records_api.InvoiceViewSet, basename="invoice")
router.register("subscription-changes", records_api.SubscriptionChangeViewSet, basename="subscription-change")
router.register("meetings", records_api.MeetingViewSet, basename="meeting")
router.register("nps-responses", records_api.NpsResponseViewSet, basename="nps-response")
router.register("health-scores", scoring_api.HealthScoreViewSet, basename="health-score")
router.register("health-signals", scoring_api.HealthSignalViewSet, basename="health-signal")
router.register("contact-health", scoring_api.ContactHealthViewSet, basename="contact-health")
router.register("health-models", health_model_api.HealthModelViewSet, basename="health-model")
router.register("recompute-runs", health_model_api.RecomputeRunViewSet, basename="recompute-run")
router.register("journey-tracks", journeys_api.JourneyTrackViewSet, basename="journey-track")
router.register("stage-transitions", journeys_api.StageTransitionViewSet, basename="stage-transition")
router.register("exit-criteria", journeys_api.ExitCriterionViewSet, basename="exit-criterion")
router.register("criterion-checks", journeys_api.CriterionCheckViewSet, basename="criterion-check")
router.register("track-flags", journeys_api.TrackFlagViewSet, basename="track-flag")
router.register("stage-expectations", journeys_api.StageExpectationViewSet, basename="stage-expectation")
router.register("objectives", plans_api.ObjectiveViewSet, basename="objective")
router.register("objective-measurements", plans_api.MeasurementViewSet, basename="objective-measurement")
router.register("milestones", plans_api.MilestoneViewSet, basename="milestone")
router.register("contracts", contracts_api.ContractViewSet, basename="contract")
router.register("contract-amendments", contracts_api.ContractAmendmentViewSet, basename="contract-amendment")
router.register("renewals", renewals_api.RenewalViewSet, basename="renewal")
router.register("renewal-checkpoints", renewals_api.CheckpointViewSet, basename="renewal-checkpoint")
router.register("forecast-changes", renewals_api.ForecastChangeViewSet, basename="forecast-change")
router.register("expansion-opportunities", pipeline_api.ExpansionOpportunityViewSet, basename="expansion-opportunity")
router.register("runway-steps", renewal_settings_api.RunwayStepViewSet, basename="runway-step")
router.register("outcome-reasons", renewal_settings_api.OutcomeReasonViewSet, basename="outcome-reason")
router.register("calendar-entries", communication_entries_api.CalendarEntryViewSet, basename="calendar-entry")
router.register("approvals", communication_approvals_api.ApprovalViewSet, basename="approval")
router.register("calendar-imports", communication_imports_api.CalendarImportViewSet, basename="calendar-import")
router.register("cadences", communication_cadences_api.CadenceViewSet, basename="cadence")
router.register("cadence-steps", communication_cadences_api.CadenceStepViewSet, basename="cadence-step")
router.register("enrollments", communication_cadences_api.EnrollmentViewSet, basename="enrollment")
router.register(
    "contact-preferences", communication_preferences_api.ContactPreferencesViewSet, basename="contact-preference"
)
router.register("deliveries", communication_tracking_api.DeliveryViewSet, basename="delivery")
router.register("engagement-events", communication_tracking_api.EngagementEventViewSet, basename="engagement-event")
router.register(
    "communication-tasks", communication_owner_tasks_api.CommunicationTaskViewSet, basename="communication-task"
)
router.register("notifications", communication_notifications_api.NotificationViewSet, basename="notification")
router.register("in-app-messages", communication_tracking_api.InAppMessageViewSet, basename="in-app-message")
router.register("playbooks", playbooks_api.PlaybookViewSet, basename="playbook")
router.register("playbook-runs", playbook_runs_api.PlaybookRunViewSet, basename="playbook-run")
router.register("playbook-previews", playbook_previews_api.PlaybookPreviewViewSet, basename="playbook-preview")

urlpatterns = [
    path("me/", workspace_tenants_api.MeView.as_view(), name="me"),
    path("whoami/", workspace_tenants_api.WhoAmIView.as_view(), name="whoami"),
    path("tenant/", workspace_tenants_api.TenantView.as_view(), name="tenant"),
    path("ingestion-settings/", health_api.IngestionSettingsView.as_view(), name="ingestion-settings"),
    path("health-backtest/", health_model_api.HealthBacktestView.as_view(), name="health-backtest"),
    path("journey-analytics/", journey_analytics_api.JourneyAnalyticsView.as_view(), name="journey-analytics"),
    path("renewal-metrics/", renewal_metrics_api.RenewalMetricsView.as_view(), name="renewal-metrics"),
    path("renewal-settings/", renewal_settings_api.RenewalSettingsView.as_view(), name="renewal-settings"),
    *router.urls,
]
