from .playbooks import OutcomeMeasure, Playbook, PlaybookSettings, PlaybookVersion
from .runs import ActionStatus, HeldReason, PlaybookRun, PreviewJob, PreviewStatus, RunAction, RunStatus

__all__ = [
    "ActionStatus",
    "HeldReason",
    "OutcomeMeasure",
    "Playbook",
    "PlaybookRun",
    "PlaybookSettings",
    "PlaybookVersion",
    "PreviewJob",
    "PreviewStatus",
    "RunAction",
    "RunStatus",
]
