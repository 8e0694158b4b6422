"""What renewals announces to other apps (communications exits a renewal cadence, playbooks trigger).

Sent after commit, with `tenant` and `renewal` (a Renewal)."""

import django.dispatch

renewal_closed = django.dispatch.Signal()
# A renewal opened with its runway (a new contract): communications enrols the renewal cadence.
renewal_opened = django.dispatch.Signal()
