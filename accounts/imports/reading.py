# Moved to core.imports.reading (issue 16); this name goes once every importer reads from there.
from core.imports.reading import *  # noqa: F403
from core.imports.reading import ZIP, Table, check_size, megabytes, read_head, read_table, read_upload  # noqa: F401
