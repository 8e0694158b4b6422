"""What journeys announce to the apps above them (playbooks, cadences): sent on commit."""

import django.dispatch

# transition=: a track started, moved, re-entered or ended.
track_transitioned = django.dispatch.Signal()
# track_flag=: a track was flagged for review (stalled, champion lost, health red).
track_flagged = django.dispatch.Signal()
