from .notes import Note, NoteKind
from .tasks import Priority, Task, TaskKind, TaskSource, TaskStatus

__all__ = ["Note", "NoteKind", "Priority", "Task", "TaskKind", "TaskSource", "TaskStatus"]
