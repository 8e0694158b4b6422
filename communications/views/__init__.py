"""Communications pages: each area keeps its views in its own module (calendar, entries, approvals, tasks, and
the other helpers' areas), all under the `communications` namespace."""
