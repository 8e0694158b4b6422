"""Tasks and notes pages, under the `activities` namespace at /tasks/: the inbox, a task, a new task, the
actions on tasks, a note to log and the account page's card."""

from django.urls import path

from .views import account, notes, tasks

app_name = "activities"

urlpatterns = [
    path("", tasks.inbox, name="inbox"),
    path("new/", tasks.task_new, name="task_new"),
    path("bulk/", tasks.tasks_bulk, name="tasks_bulk"),
    path("<int:activity_task_id>/", tasks.task_detail, name="task"),
    path("<int:activity_task_id>/close/", tasks.task_close, name="task_close"),
    path("<int:activity_task_id>/snooze/", tasks.task_snooze, name="task_snooze"),
    path("<int:activity_task_id>/reopen/", tasks.task_reopen, name="task_reopen"),
    path("<int:activity_task_id>/reassign/", tasks.task_reassign, name="task_reassign"),
    path("notes/new/", notes.note_new, name="note_new"),
    path("accounts/<int:account_id>/card/", account.account_card, name="account_card"),
]
