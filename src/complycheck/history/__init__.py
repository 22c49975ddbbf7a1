"""The review history: runs recorded in SQLite, what changed between them, and the
rectification linkage that weighs a plan's staffing requests against earlier findings."""
