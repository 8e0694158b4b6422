from django.urls import path

from .views import invitations, keys, members, tenants

# The namespace stays "tenancy", as before these pages left the tenancy app: "tenancy:no_tenant" and its siblings
# are named by every app's templates and code, and URL names, like paths, do not change.
app_name = "tenancy"

urlpatterns = [
    path("no-tenant/", tenants.no_tenant, name="no_tenant"),
    path("tenants/", tenants.tenant_list, name="tenant_list"),
    path("tenants/switch/", tenants.tenant_switch, name="tenant_switch"),
    path("me/tokens/", keys.my_tokens, name="my_tokens"),
    path("api-keys/<int:api_key_id>/revoke/", keys.api_key_revoke, name="api_key_revoke"),
    path("admin/", tenants.admin_home, name="admin_home"),
    path("admin/tenant/", tenants.tenant_settings, name="tenant_settings"),
    path("admin/members/", members.member_list, name="member_list"),
    path("admin/members/new/", members.member_invite, name="member_invite"),
    path("admin/members/<int:membership_id>/", members.member_edit, name="member_edit"),
    path("admin/members/<int:membership_id>/remove/", members.member_remove, name="member_remove"),
    path("admin/invitations/<int:invitation_id>/resend/", invitations.invitation_resend, name="invitation_resend"),
    path("admin/invitations/<int:invitation_id>/revoke/", invitations.invitation_revoke, name="invitation_revoke"),
    # Public: the signed link is the credential.
    path("invitations/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("admin/write-keys/", keys.write_key_list, name="write_key_list"),
    path("admin/api-tokens/", keys.api_token_admin_list, name="api_token_admin_list"),
]
