from django.urls import path

from . import views

# The namespace stays "tenancy", as before these pages left the tenancy app: "tenancy:no_tenant" and its siblings
# are named by every app's templates and code, and URL names, like paths, do not change.
app_name = "tenancy"

urlpatterns = [
    path("no-tenant/", views.no_tenant, name="no_tenant"),
    path("tenants/", views.tenant_list, name="tenant_list"),
    path("tenants/switch/", views.tenant_switch, name="tenant_switch"),
    path("me/tokens/", views.my_tokens, name="my_tokens"),
    path("api-keys/<int:api_key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("admin/", views.admin_home, name="admin_home"),
    path("admin/tenant/", views.tenant_settings, name="tenant_settings"),
    path("admin/members/", views.member_list, name="member_list"),
    path("admin/members/new/", views.member_invite, name="member_invite"),
    path("admin/members/<int:membership_id>/", views.member_edit, name="member_edit"),
    path("admin/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("admin/invitations/<int:invitation_id>/resend/", views.invitation_resend, name="invitation_resend"),
    path("admin/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    # Public: the signed link is the credential.
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("admin/write-keys/", views.write_key_list, name="write_key_list"),
    path("admin/api-tokens/", views.api_token_admin_list, name="api_token_admin_list"),
]
