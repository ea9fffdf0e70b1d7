"""``python -m app backup FILE`` and ``python -m app restore FILE``: a consistent copy of the whole
database, safe while the server writes, and its way back into an empty database, migrated and checked.
Assembled into ``python -m app`` by ``app/cli.py``.

Exit codes: 0 done; 2 refused (FILE exists, the target is not empty, FILE is no backup of ours);
1 failed (the database, pg_dump or pg_restore failed or is missing, the copy did not verify, or the
restored yearly summary differs from the monthly values).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from app.core.cli_support import CommandLine, console, fail, open_database
from app.values.cli import check as summary_check

if TYPE_CHECKING:
    from app.backup.common import Contents, ProgressCallback

commands = CommandLine()


@contextmanager
def progress_bar(label: str, *, then: str | None = None) -> Iterator[ProgressCallback]:
    """A rich progress bar on a terminal, labelled ``then`` once everything is copied (the check that
    follows); nothing at all when stderr is not a terminal (cron, a pipe)."""
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )

    def advance(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total, description=then if then and done >= total else label)

    with bar:
        task = bar.add_task(label, total=None)
        yield advance


def describe(contents: Contents) -> str:
    last = (
        f"#{contents.last_submission} ({contents.last_submission_at:%Y-%m-%d %H:%M:%S} UTC)"
        if contents.last_submission is not None and contents.last_submission_at is not None
        else "无 none"
    )
    return (
        f"  {contents.tables} 张表 tables · monthly_values {contents.monthly_values:,} 行 rows · "
        f"value_history {contents.value_history:,} 行 rows · 最后报送 last submission {last} · "
        f"结构版本 schema {contents.revision}"
    )


@commands.command(
    "backup",
    help="将整个数据库一致地备份到 FILE（服务运行、写入时也可以）/ back up the whole database to FILE, "
    "consistently, also while the server writes",
)
def backup(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            show_default=False,
            help="备份文件：SQLite 时为一个 SQLite 数据库文件，PostgreSQL 时为 pg_dump 自定义格式文件 / the "
            "backup file: a SQLite database on SQLite, a pg_dump custom-format archive on PostgreSQL",
        ),
    ],
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的 FILE / replace FILE if it exists")] = False,
) -> None:
    # Imported when a backup runs, not for --help or other words (psycopg, every model).
    from app.backup import service
    from app.backup.common import BackupError

    database = open_database()
    started = time.monotonic()
    try:
        with progress_bar("备份 Backing up", then="校验 Verifying") as progress:
            contents = service.create(database, file, force=force, progress=progress)
    except BackupError as err:
        raise fail(err.zh, err.en, code=err.code) from err
    seconds = time.monotonic() - started
    verified = (
        "PRAGMA integrity_check: ok"
        if database.dialect == "sqlite"
        else "pg_restore --list 读出每张表 reads every table back"
    )
    console.print(
        f"已写入备份 Backup written: {file} ({file.stat().st_size:,} 字节 bytes, {seconds:.1f} 秒 s)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print(describe(contents), markup=False, highlight=False, soft_wrap=True)
    console.print(f"  已校验 Verified: {verified}", markup=False, highlight=False, soft_wrap=True)


@commands.command(
    "restore",
    help="将 FILE 恢复到空数据库，然后迁移到最新结构并核对年度汇总 / restore FILE into an empty database, "
    "then migrate it and check the yearly summary",
)
def restore(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            show_default=False,
            help="由 backup 命令写出的备份文件；DATABASE_URL 须指向一个空库 / a file written by backup; "
            "DATABASE_URL must name an empty database",
        ),
    ],
) -> None:
    from app.backup import service
    from app.backup.common import BackupError

    database = open_database()
    started = time.monotonic()
    try:
        with progress_bar("恢复 Restoring") as progress:
            contents = service.restore(database, file, progress=progress)
    except BackupError as err:
        raise fail(err.zh, err.en, code=err.code) from err
    finally:
        database.engine.dispose()
    seconds = time.monotonic() - started
    target = make_url(database.url).render_as_string(hide_password=True)
    console.print(
        f"已恢复 Restored: {file} → {target} ({seconds:.1f} 秒 s)", markup=False, highlight=False, soft_wrap=True
    )
    console.print(describe(contents), markup=False, highlight=False, soft_wrap=True)
    # What `python -m app summary check` does: migrate (a backup of an older version is upgraded),
    # then compare the yearly summary with the monthly rows; exit 1 on a difference.
    summary_check()
