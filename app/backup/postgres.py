"""PostgreSQL: the server's own tools, ``pg_dump --format=custom`` and ``pg_restore``, found on PATH.

The dump is consistent while the server writes: pg_dump reads everything in one snapshot. We export
that snapshot from a transaction of our own (``pg_export_snapshot``) and hand it to pg_dump
(``--snapshot``), so the rows we count and report are exactly the rows in the file.

Connection parameters come from DATABASE_URL as a libpq connection string without the password; the
password goes to the child alone, in its environment (PGPASSWORD), never on a command line that
``ps`` shows to every user of the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import deque
from dataclasses import replace
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import make_url

from app.backup.common import (
    OUR_TABLES,
    REFUSED,
    BackupError,
    Contents,
    ProgressCallback,
    count_contents,
    refuse_no_schema,
    refuse_non_empty,
    written_beside,
)

# Tables whose data a backup must hold for it to be a backup of ours at all.
REQUIRED_DATA = ("alembic_version", "monthly_values", "value_history", "submissions")
# One line of `pg_restore --list`: "215; 1259 16390 TABLE public districts postgres".
_ENTRY = re.compile(r"^\d+; \d+ \d+ (TABLE DATA|TABLE) (\S+) (\S+)")
# "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", "pg_restore (PostgreSQL) 9.6.24".
_VERSION = re.compile(r"\)\s*(\d+)(?:\.(\d+))?")
_USER_TABLES = (
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg_toast%'"
)


def find_client(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"PATH 中找不到 {name}；请安装与服务器同一大版本或更新的 PostgreSQL 客户端"
            "（Debian/Ubuntu：postgresql-client）",
            f"{name} is not on PATH; install the PostgreSQL client of the server's major version or newer "
            "(Debian/Ubuntu: postgresql-client)",
        )
    return found


def version_label(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def client_version(binary: str) -> tuple[int, ...]:
    """The major version of a client program: ``(15,)``; before PostgreSQL 10 two numbers, ``(9, 6)``."""
    said = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60, check=False).stdout
    found = _VERSION.search(said)
    if found is None:
        raise BackupError(
            f"无法识别 {binary} 的版本：{said.strip()!r}", f"cannot tell the version of {binary}: {said.strip()!r}"
        )
    major, minor = int(found.group(1)), int(found.group(2) or 0)
    return (major, minor) if major < 10 else (major,)


def server_version(conn: Connection) -> tuple[int, ...]:
    number = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    return (number // 10000, number // 100 % 100) if number < 100_000 else (number // 10000,)


def check_client(client: tuple[int, ...], server: tuple[int, ...], *, name: str = "pg_dump") -> None:
    """pg_dump dumps servers of its own major version or older only; an older one aborts with
    "server version mismatch". Said here first, with what to install."""
    if client < server:
        need = version_label(server)
        raise BackupError(
            f"{name} 的版本（{version_label(client)}）低于服务器（PostgreSQL {need}），无法备份；"
            f"请安装 PostgreSQL {need} 或更新版本的客户端（如 postgresql-client-{need}）并让它在 PATH 中排在前面",
            f"{name} {version_label(client)} is older than the server (PostgreSQL {need}) and cannot dump it; "
            f"install the PostgreSQL {need} client or newer (e.g. postgresql-client-{need}) and put it first on PATH",
        )


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``--dbname`` (no password in it) and the child's environment
    (PGPASSWORD when the URL has a password; messages in English, which we read)."""
    parsed = make_url(url)
    params: dict[str, object] = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "dbname": parsed.database,
    }
    for key, value in parsed.query.items():  # sslmode, sslrootcert, connect_timeout, …
        params[key] = value[-1] if isinstance(value, tuple) else value
    password = params.pop("password", None) or parsed.password
    env = {k: v for k, v in os.environ.items() if k != "LANGUAGE"}
    env["LC_ALL"] = "C"
    if password is not None:
        env["PGPASSWORD"] = str(password)
    conninfo = make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})
    return conninfo, env


def run_client(
    args: list[str], env: dict[str, str], *, marker: str, total: int, progress: ProgressCallback | None
) -> None:
    """Run pg_dump or pg_restore with ``--verbose``, advancing ``progress`` on each line that holds
    ``marker`` (one per table); BackupError with its first error line when it fails."""
    name = Path(args[0]).name
    process = subprocess.Popen(
        args,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    assert process.stderr is not None
    last: deque[str] = deque(maxlen=20)
    errors: list[str] = []
    done = 0
    for raw in process.stderr:
        line = raw.rstrip()
        if marker in line:
            done += 1
            if progress is not None:
                progress(min(done, total), total)
        elif line:
            last.append(line)
        if "error:" in line:
            errors.append(line)
    code = process.wait()
    if code != 0:
        reason = errors[0] if errors else last[-1] if last else f"exit {code}"
        raise BackupError(f"{name} 失败（退出码 {code}）：{reason}", f"{name} failed (exit {code}): {reason}")


def listing(pg_restore: str, file: Path) -> list[tuple[str, str, str]]:
    """``(kind, schema, name)`` of the tables in a custom-format archive (kind ``TABLE`` or ``TABLE
    DATA``), read by ``pg_restore --list``; BackupError when this pg_restore cannot read it."""
    done = subprocess.run(
        [pg_restore, "--list", str(file)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, "LC_ALL": "C"},
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]
        raise BackupError(
            f"{pg_restore} 无法读取 {file}（文件损坏，或由更新版本的 pg_dump 生成）：{reason}",
            f"{pg_restore} cannot read {file} (damaged, or written by a newer pg_dump): {reason}",
            code=REFUSED,
        )
    return [(m.group(1), m.group(2), m.group(3)) for line in done.stdout.splitlines() if (m := _ENTRY.match(line))]


def _contents(conn: Connection, tables: int | None = None) -> Contents:
    if tables is None:
        tables = int(conn.execute(text(_USER_TABLES)).scalar_one())
    return count_contents(lambda sql: conn.execute(text(sql)).scalar(), tables)


def _where(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def backup(engine: Engine, url: str, file: Path, *, progress: ProgressCallback | None = None) -> Contents:
    """Dump the database of ``url`` to ``file`` (custom format) and check the archive reads back."""
    pg_dump, pg_restore = find_client("pg_dump"), find_client("pg_restore")
    client = client_version(pg_dump)
    # REPEATABLE READ: every query below sees the snapshot pg_export_snapshot exports.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        # This transaction idles while pg_dump works; a server that ends idle transactions would end it.
        conn.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
        check_client(client, server_version(conn))
        refuse_no_schema(set(inspect(conn).get_table_names()), _where(url))
        counted = _contents(conn)
        conninfo, env = libpq_target(url)
        with written_beside(file) as partial:
            # The exporting transaction stays open until pg_dump is done: the snapshot lives as long.
            run_client(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    "--verbose",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                    f"--dbname={conninfo}",
                ],
                env,
                marker="dumping contents of table",
                total=counted.tables,
                progress=progress,
            )
            entries = listing(pg_restore, partial)
            dumped = {name for kind, _schema, name in entries if kind == "TABLE DATA"}
            missing = [t for t in REQUIRED_DATA if t not in dumped]
            if missing:
                raise BackupError(
                    f"pg_dump 的输出中缺少表 {', '.join(missing)} 的数据",
                    f"pg_dump's archive lacks the data of {', '.join(missing)}",
                )
            tables = sum(1 for kind, _schema, _name in entries if kind == "TABLE")
            return replace(counted, tables=tables)


def restore(engine: Engine, url: str, file: Path, *, progress: ProgressCallback | None = None) -> Contents:
    """pg_restore ``file`` into the empty database of ``url``, all or nothing (one transaction)."""
    pg_restore = find_client("pg_restore")
    entries = listing(pg_restore, file)
    refuse_no_schema({name for kind, _schema, name in entries if kind == "TABLE"}, str(file))
    with engine.connect() as conn:
        refuse_non_empty(set(inspect(conn).get_table_names()) & OUR_TABLES, _where(url))
    conninfo, env = libpq_target(url)
    run_client(
        [
            pg_restore,
            # Objects belong to the user who restores, and no GRANT names a role the new server
            # may not have: with --exit-on-error either would end the restore.
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            # All or nothing: a failed restore leaves the database empty, ready for another try.
            "--single-transaction",
            "--no-password",
            "--verbose",
            f"--dbname={conninfo}",
            str(file),
        ],
        env,
        marker="processing data for table",
        total=sum(1 for kind, _schema, _name in entries if kind == "TABLE DATA"),
        progress=progress,
    )
    with engine.connect() as conn:
        return _contents(conn)
