"""Routes of the master calendar, an entry's pages, the approvals queue, the owners' tasks and the account card."""

from django.urls import path

from .views import approvals, calendar, entries, tasks

urlpatterns = [
    path("", calendar.calendar_index, name="index"),
    path("calendar/", calendar.calendar_index, name="calendar"),
    path("accounts/<int:account_id>/", calendar.account_calendar, name="account_calendar"),
    path("accounts/<int:account_id>/card/", calendar.account_card, name="account_card"),
    path("entries/new/", entries.entry_new, name="entry_new"),
    path("entries/<int:entry_id>/", entries.entry_detail, name="entry"),
    path("entries/<int:entry_id>/edit/", entries.entry_edit, name="entry_edit"),
    path("entries/<int:entry_id>/schedule/", entries.entry_schedule, name="entry_schedule"),
    path("entries/<int:entry_id>/cancel/", entries.entry_cancel, name="entry_cancel"),
    path("entries/<int:entry_id>/resend/", entries.entry_resend, name="entry_resend"),
    path("entries/<int:entry_id>/preview/", entries.entry_preview, name="entry_preview"),
    path("approvals/", approvals.approval_list, name="approvals"),
    path("entries/<int:entry_id>/approve/", approvals.entry_approve, name="entry_approve"),
    path("entries/<int:entry_id>/reject/", approvals.entry_reject, name="entry_reject"),
    path("tasks/", tasks.task_list, name="tasks"),
    path("tasks/<int:task_id>/done/", tasks.task_done, name="task_done"),
]
