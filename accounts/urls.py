"""Accounts' pages, all under the `accounts` namespace: the book and its accounts' forms, contacts, the tiers
and their economics, the capacity planner, custom fields, and the import of accounts and contacts."""

from django.urls import path

from .views import book, configuration, contacts, imports, planning

app_name = "accounts"

urlpatterns = [
    path("", book.account_list, name="index"),
    path("export.csv", book.account_export, name="account_export"),
    path("new/", book.account_create, name="account_create"),
    # "<int:account_id>/" (account_detail), the account 360, is dashboard's page: config/urls.py adds it here.
    path("<int:account_id>/edit/", book.account_edit, name="account_edit"),
    path("<int:account_id>/status/", book.account_status, name="account_status"),
    path("<int:account_id>/tier-override/", book.account_tier_override, name="account_tier_override"),
    path("<int:account_id>/contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/<int:contact_id>/edit/", contacts.contact_edit, name="contact_edit"),
    path("tiers/", planning.tier_list, name="tier_list"),
    path("tiers/new/", configuration.tier_create, name="tier_create"),
    path("tiers/<int:tier_id>/edit/", configuration.tier_edit, name="tier_edit"),
    path("tiers/policy/", configuration.service_model_policy, name="service_model_policy"),
    path("capacity/", planning.capacity_planner, name="capacity_planner"),
    path("custom-fields/", configuration.custom_field_list, name="custom_field_list"),
    path("custom-fields/new/", configuration.custom_field_create, name="custom_field_create"),
    path("custom-fields/<int:custom_field_id>/edit/", configuration.custom_field_edit, name="custom_field_edit"),
    path("custom-fields/<int:custom_field_id>/delete/", configuration.custom_field_delete, name="custom_field_delete"),
    # The import of accounts and contacts.
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<int:import_job_id>/", imports.import_detail, name="import_detail"),
    path("imports/<int:import_job_id>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:import_job_id>/rejected.csv", imports.import_rejected_csv, name="import_rejected_csv"),
]
