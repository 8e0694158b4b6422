"""Who runs an import job of a kind the account import does not know: one job framework for every import.

Health's record import (tickets, invoices, ...) shares the account import's job, its task, claim, lease,
requeue sweep and pages' building blocks, but accounts may never import health. So health registers its
run for its kinds from its AppConfig.ready(), and the runner hands it the claimed job.
"""

from collections.abc import Callable

from ..models import ACCOUNT_IMPORT_KINDS, ImportJob, ImportKind

ImportRunner = Callable[[ImportJob], ImportJob]

_runners: dict[str, ImportRunner] = {}


def register_import_runner(kind: str, run: ImportRunner) -> None:
    """Run the claimed (RUNNING) jobs of `kind` with `run`, which ends them with core.imports.jobs.job_finish."""
    if kind not in ImportKind.values or kind in ACCOUNT_IMPORT_KINDS:
        raise ValueError(f"{kind!r} is not an import kind another app may run.")
    _runners[kind] = run


def import_runner(kind: str) -> ImportRunner:
    try:
        return _runners[kind]
    except KeyError:
        # Fails the job with this reason (import_job_run records it) rather than leaving it queued forever.
        raise LookupError(f"No app has registered a run for imports of kind {kind!r}.") from None
