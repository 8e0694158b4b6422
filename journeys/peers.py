"""What the apps above journeys may read of it."""

from .models import Stage

# The six stages, for a playbook's triggers and conditions (playbooks.catalogue).
STAGES = tuple(Stage.choices)
