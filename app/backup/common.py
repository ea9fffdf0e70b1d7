"""What backups on either database share: the error an operator is told, what a backup holds, which
tables are ours, the kind of a backup file, and the file written beside FILE until it is verified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.cli_support import EXIT_DATABASE_UNAVAILABLE, EXIT_REFUSED
from app.models import Base

# progress(done, total): pages copied (SQLite) or tables dumped and restored (PostgreSQL).
ProgressCallback = Callable[[int, int], None]

# Every table a migration makes, and alembic's own: a database holding any of them is not empty.
OUR_TABLES = frozenset({*Base.metadata.tables, "alembic_version"})

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"

# Exit codes: the operator asked for something we refuse (a FILE that exists, a target that is not
# empty, a file that is no backup) is 2; what failed around us (a client missing or too old, the
# database or pg_dump failing, a copy that does not verify) is 1, like an unreachable database.
REFUSED = EXIT_REFUSED
FAILED = EXIT_DATABASE_UNAVAILABLE


class BackupError(Exception):
    """A backup or restore that cannot go on: one line in each language and the exit code."""

    def __init__(self, zh: str, en: str, *, code: int = FAILED) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.code = code


@dataclass(frozen=True)
class Contents:
    """What a backup holds, counted in the very snapshot it copies."""

    tables: int
    monthly_values: int
    value_history: int
    # The newest submission the copy includes (None: nothing was ever submitted).
    last_submission: int | None
    last_submission_at: dt.datetime | None
    revision: str | None


CONTENT_QUERIES = {
    "monthly_values": "SELECT count(*) FROM monthly_values",
    "value_history": "SELECT count(*) FROM value_history",
    "last_submission": "SELECT max(id) FROM submissions",
    "last_submission_at": "SELECT max(created_at) FROM submissions",
    "revision": "SELECT max(version_num) FROM alembic_version",
}


def count_contents(scalar: Callable[[str], Any], tables: int) -> Contents:
    """The contents through ``scalar(sql)``, a query on the snapshot being copied (either driver)."""
    found = {name: scalar(sql) for name, sql in CONTENT_QUERIES.items()}
    at = found["last_submission_at"]
    if isinstance(at, str):  # SQLite hands back its text
        at = dt.datetime.fromisoformat(at)
    if at is not None and at.tzinfo is None:  # stored as UTC (app.core.db.UTCDateTime)
        at = at.replace(tzinfo=dt.UTC)
    return Contents(
        tables=tables,
        monthly_values=int(found["monthly_values"] or 0),
        value_history=int(found["value_history"] or 0),
        last_submission=found["last_submission"],
        last_submission_at=at,
        revision=found["revision"],
    )


def file_kind(path: Path) -> str:
    """``sqlite`` or ``postgresql`` by the file's first bytes; BackupError when it is neither."""
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}", f"no backup file at {path}", code=REFUSED)
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(
        f"{path} 不是备份文件（既不是 SQLite 数据库，也不是 pg_dump 自定义格式）",
        f"{path} is not a backup (neither a SQLite database nor a pg_dump custom-format archive)",
        code=REFUSED,
    )


def refuse_other_kind(path: Path, kind: str, dialect: str) -> None:
    if kind != dialect:
        raise BackupError(
            f"{path} 是 {kind} 的备份，而 DATABASE_URL 指向 {dialect} 数据库",
            f"{path} is a {kind} backup but DATABASE_URL is a {dialect} database",
            code=REFUSED,
        )


def refuse_non_empty(tables: set[str], where: str) -> None:
    """Restore writes into an empty database only, never over figures someone may still need.
    ``tables``: the target's tables that make it not empty (on PostgreSQL ours, on SQLite any, since
    the copy replaces the whole file)."""
    if tables:
        named = sorted(tables & {"monthly_values"}) or sorted(tables & OUR_TABLES) or sorted(tables)
        raise BackupError(
            f"目标数据库 {where} 不是空库（已有 {len(tables)} 张表，如 {named[0]}），恢复只写入空库；"
            "请新建一个空库并让 DATABASE_URL 指向它，再恢复",
            f"the target database {where} is not empty ({len(tables)} tables, {named[0]} among them); "
            "restore writes only into an empty database: create an empty one, point DATABASE_URL at it and "
            "restore again",
            code=REFUSED,
        )


def refuse_no_schema(found: set[str], where: str) -> None:
    if "alembic_version" not in found:
        raise BackupError(
            f"{where} 中没有本平台的数据（没有 alembic_version 表）",
            f"{where} holds no data of this platform (no alembic_version table)",
            code=REFUSED,
        )


def check_target_file(file: Path, *, force: bool) -> None:
    if file.exists() and not force:
        raise BackupError(
            f"{file} 已存在；换一个文件名，或加 --force 覆盖",
            f"{file} exists; choose another name, or add --force to replace it",
            code=REFUSED,
        )
    if file.is_dir():
        raise BackupError(f"{file} 是一个目录", f"{file} is a directory", code=REFUSED)
    if not file.parent.is_dir():
        # Not made for the operator: a missing directory is often a mount that is not there, and the
        # backup would then land on the machine it should leave.
        raise BackupError(f"目录 {file.parent} 不存在", f"no directory {file.parent}", code=REFUSED)


@contextmanager
def written_beside(file: Path) -> Iterator[Path]:
    """A path beside ``file`` to write into; it becomes ``file`` only when the block ends without
    an error (after the copy is verified), and is removed otherwise. An older FILE stays whole
    until then."""
    partial = file.with_name(f".{file.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        yield partial
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
