"""SQLite: copies through SQLite's online backup API (``sqlite3.Connection.backup``), page by page.

The copy is consistent while the server writes because it is made inside one read transaction on the
source: in WAL mode (which every connection of ours sets) a reader keeps the snapshot it started with,
WAL frames included, and writers go on appending to the WAL beside it. Without that transaction the
backup API takes a fresh read lock for every step and starts over whenever another connection has
written in between; with writers busy it may never finish (measured: a 3,000-page copy took 1,600
steps instead of 31 with one writer committing every millisecond).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from app.backup.common import (
    FAILED,
    REFUSED,
    BackupError,
    Contents,
    ProgressCallback,
    count_contents,
    refuse_no_schema,
    refuse_non_empty,
    written_beside,
)

# Pages per step: about a hundred steps (a progress bar that moves), never fewer than 256 pages.
MIN_STEP_PAGES = 256


def database_path(url: str) -> Path:
    """The file of a ``sqlite:///…`` URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(
            "DATABASE_URL 指向内存数据库，没有可备份的文件",
            "DATABASE_URL is an in-memory database: there is no file to back up",
            code=REFUSED,
        )
    return Path(database)


def connect(path: Path, *, create: bool = False, read_only: bool = False) -> sqlite3.Connection:
    """A plain connection in autocommit mode (transactions are begun by hand); never makes a file
    unless ``create``, so a mistyped path is an error instead of a new empty database."""
    mode = "ro" if read_only else "rwc" if create else "rw"
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        raise BackupError(f"无法打开 {path}：{exc}", f"cannot open {path}: {exc}") from exc


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def contents_of(conn: sqlite3.Connection) -> Contents:
    tables = len({t for t in table_names(conn) if not t.startswith("sqlite_")})
    return count_contents(lambda sql: conn.execute(sql).fetchone()[0], tables)


def integrity_problem(conn: sqlite3.Connection) -> str | None:
    """None when ``PRAGMA integrity_check`` finds the file sound, else its first finding."""
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    return None if rows == [("ok",)] else str(rows[0][0])


def copy(
    source: sqlite3.Connection, target: sqlite3.Connection, progress: ProgressCallback | None, step: int | None
) -> None:
    pages = int(source.execute("PRAGMA page_count").fetchone()[0])
    step = step or max(MIN_STEP_PAGES, pages // 100)
    source.backup(
        target,
        pages=step,
        progress=None if progress is None else lambda _status, remaining, total: progress(total - remaining, total),
        sleep=0,
    )


def backup(
    url: str, file: Path, *, progress: ProgressCallback | None = None, step_pages: int | None = None
) -> Contents:
    """Copy the database of ``url`` to ``file`` (a SQLite file of its own) and verify the copy."""
    path = database_path(url)
    if not path.is_file():
        raise BackupError(f"找不到数据库文件 {path}", f"no database file at {path}")
    database = path.resolve()
    if file.resolve() in {
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    }:
        raise BackupError(
            f"{file} 就是数据库文件本身；请写到别处", f"{file} is the database itself; write elsewhere", code=REFUSED
        )
    source = connect(path)
    try:
        # The app's own setting (app.core.db): a reader in WAL mode never blocks a writer.
        source.execute("PRAGMA journal_mode=WAL")
        source.execute("BEGIN")
        refuse_no_schema(table_names(source), str(path))  # the read transaction starts here
        with written_beside(file) as partial:
            target = sqlite3.connect(partial, isolation_level=None)
            try:
                copy(source, target, progress, step_pages)
                source.execute("COMMIT")
                # A file that stands alone: no -wal or -shm beside it once it is opened.
                target.execute("PRAGMA journal_mode=DELETE")
                problem = integrity_problem(target)
                if problem is not None:
                    raise BackupError(
                        f"备份副本未通过完整性检查：{problem}", f"the copy failed its integrity check: {problem}"
                    )
                return contents_of(target)
            finally:
                target.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite 备份失败：{exc}", f"SQLite backup failed: {exc}", code=FAILED) from exc
    finally:
        source.close()


def restore(file: Path, url: str, *, progress: ProgressCallback | None = None) -> Contents:
    """Copy the backup ``file`` into the (empty or missing) database file of ``url``."""
    path = database_path(url)
    source = connect(file, read_only=True)
    try:
        problem = integrity_problem(source)
        if problem is not None:
            raise BackupError(
                f"备份文件 {file} 未通过完整性检查：{problem}",
                f"the backup {file} failed its integrity check: {problem}",
                code=REFUSED,
            )
        refuse_no_schema(table_names(source), str(file))
        if path.exists():
            existing = connect(path)
            try:
                found = table_names(existing)
            finally:
                existing.close()
            # The copy replaces the whole file: tables that are not ours would be lost as well.
            refuse_non_empty({t for t in found if not t.startswith("sqlite_")}, str(path))
        else:
            for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
                if leftover.exists():
                    # SQLite would replay it into the new file as if it belonged there.
                    raise BackupError(
                        f"{path} 不存在，但旁边还有 {leftover.name}；请先移走它",
                        f"{path} does not exist but {leftover.name} does; move it away first",
                        code=REFUSED,
                    )
            path.parent.mkdir(parents=True, exist_ok=True)
        target = connect(path, create=True)
        try:
            copy(source, target, progress, None)
            target.execute("PRAGMA journal_mode=WAL")
            return contents_of(target)
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite 恢复失败：{exc}", f"SQLite restore failed: {exc}") from exc
    finally:
        source.close()
