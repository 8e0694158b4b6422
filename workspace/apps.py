from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The pages and API where people sign in, switch tenant, and admins manage members, invitations, API keys
    and the tenant's settings: tenancy's face, above core (whose web and API kits it is built from)."""

    name = "workspace"
    verbose_name = "Workspace: people, tenants and keys"
