"""Contract routes, under renewals/contracts/ in the renewals namespace."""

from django.urls import path

from .views import contracts

urlpatterns = [
    path("contracts/", contracts.contract_list, name="contracts"),
    path("contracts/new/", contracts.contract_new, name="contract_new"),
    path("contracts/<int:contract_id>/", contracts.contract_detail, name="contract"),
    path("contracts/<int:contract_id>/edit/", contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:contract_id>/amend/", contracts.contract_amend, name="contract_amend"),
    path("contracts/<int:contract_id>/cancel/", contracts.contract_cancel, name="contract_cancel"),
]
