# Moved to core.imports.safety (issue 16); this name goes once every exporter reads from there.
from core.imports.safety import safe_cell  # noqa: F401
