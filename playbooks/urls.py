"""Playbook pages under the `playbooks` namespace at /playbooks/: the list, the editor and its validation,
one playbook (on, off, removed, run by hand), a run, the settings, and the account page's card."""

from django.urls import path

from .views import effectiveness, playbooks, preview, runs, settings

app_name = "playbooks"

urlpatterns = [
    path("", playbooks.playbook_list, name="index"),
    path("new/", playbooks.playbook_new, name="new"),
    path("validate/", playbooks.playbook_validate, name="validate"),
    path("settings/", settings.settings_edit, name="settings"),
    path("<int:playbook_id>/", playbooks.playbook_detail, name="detail"),
    path("<int:playbook_id>/edit/", playbooks.playbook_edit, name="edit"),
    path("<int:playbook_id>/enable/", playbooks.playbook_enable, name="enable"),
    path("<int:playbook_id>/disable/", playbooks.playbook_disable, name="disable"),
    path("<int:playbook_id>/remove/", playbooks.playbook_archive, name="archive"),
    path("<int:playbook_id>/run/", playbooks.playbook_run, name="run_by_hand"),
    path("runs/<int:playbook_run_id>/", runs.run_detail, name="run"),
    path("accounts/<int:account_id>/card/", runs.account_card, name="account_card"),
    path("accounts/<int:account_id>/run/", runs.account_run, name="account_run"),
    # The preview (start one, poll it) and the playbook page's preview and effectiveness cards (helper 5).
    path("previews/", preview.preview_start, name="preview_start"),
    path("previews/<int:preview_id>/", preview.preview_status, name="preview"),
    path("<int:playbook_id>/preview/", preview.playbook_preview, name="playbook_preview"),
    path("<int:playbook_id>/effectiveness/", effectiveness.effectiveness, name="effectiveness"),
]
