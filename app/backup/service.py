"""Back up the database to a file and restore one, each on the database's own terms (``sqlite`` and
``postgresql`` modules): the one entry point the command line and the tests call."""

from __future__ import annotations

from pathlib import Path

from app.backup import postgres, sqlite
from app.backup.common import Contents, ProgressCallback, check_target_file, file_kind, refuse_other_kind
from app.core.db import Database


def create(
    database: Database,
    file: Path,
    *,
    force: bool = False,
    progress: ProgressCallback | None = None,
    step_pages: int | None = None,
) -> Contents:
    """A consistent copy of ``database`` in ``file``, verified before it takes FILE's name; safe while
    the server writes. ``step_pages``: SQLite pages per step (default: about a hundred steps)."""
    check_target_file(file, force=force)
    if database.dialect == "sqlite":
        return sqlite.backup(database.url, file, progress=progress, step_pages=step_pages)
    return postgres.backup(database.engine, database.url, file, progress=progress)


def restore(database: Database, file: Path, *, progress: ProgressCallback | None = None) -> Contents:
    """Copy the backup ``file`` into ``database``, which must be empty (no table of ours)."""
    refuse_other_kind(file, file_kind(file), database.dialect)
    if database.dialect == "sqlite":
        return sqlite.restore(file, database.url, progress=progress)
    return postgres.restore(database.engine, database.url, file, progress=progress)
