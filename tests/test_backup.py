"""``python -m app backup | restore`` on SQLite and PostgreSQL: a backup taken while four writers write is,
restored, the source as it stood at the backup's moment; restore writes only into an empty database,
upgrades an older schema and says when the yearly summary differs; pg_dump and pg_restore are found,
versioned and given no password on their command line.

Real commits, so every test makes databases of its own (dropped at the end of the run).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from app import models as _every_table  # noqa: F401 (each model on Base.metadata)
from app.auth.scope import SYSTEM
from app.backup import postgres, service
from app.backup.common import BackupError
from app.cli import app
from app.core.cli_support import PROG
from app.core.config import get_settings
from app.core.db import Base, Database, utcnow
from app.core.migrate import current_revision, head_revision, upgrade
from app.submissions.models import DataSource, SourceFormat, Submission, SubmissionStatus
from app.values.models import MonthlyValue, ValueHistory, YearlyValue
from app.values.shapes import MonthData
from app.values.write import write_months
from seed.loader import SeedStats, load_districts
from tests.conftest import BACKENDS, FreshDatabases

SECRET = "b" * 40
# Figures no cross-check ties to another, so any subset of them is a valid month.
INDICATORS = (
    "inspection.enterprises",
    "drill.drills",
    "training.sessions",
    "publicity.events",
    "case_review.meetings",
    "penalty.suspensions",
)
MONTHS = [dt.date(2024, m, 1) for m in range(1, 13)]
SHARED = "110101"  # every writer writes it too: they wait for each other there
OWN = [("110102", "110105"), ("110106", "110107"), ("110108", "110109"), ("110111", "110112")]

Key = tuple[str, dt.date, str]
Row = tuple[Any, ...]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def new_database(fresh: FreshDatabases, backend: str) -> Database:
    """An empty database of ``backend`` (no schema), dropped at the end of the run."""
    return Database(fresh.url(backend))


def migrated(database: Database, revision: str = "head") -> Database:
    upgrade(database.engine, revision)
    with database.session() as s:
        load_districts(s, SeedStats())
    return database


def write_month(database: Database, month: MonthData) -> int:
    """One district-month through the one write path (the JSON PUT's), committed; its submission."""
    with database.session() as s:
        outcome = write_months(s, principal=SYSTEM, months=[month], source_format=SourceFormat.json)
    assert not outcome.errors, outcome.errors
    assert outcome.submission_id is not None
    return outcome.submission_id


def random_month(rng: random.Random, districts: tuple[str, ...]) -> MonthData:
    """A month replaced whole by a random subset of INDICATORS: creates, changes and removes figures."""
    chosen = rng.sample(INDICATORS, rng.randint(1, len(INDICATORS)))
    return MonthData(
        rng.choice(districts), rng.choice(MONTHS), {i: float(rng.randint(0, 40)) for i in chosen}, replace=True
    )


def run_python_m_app(tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATA_DIR", "DATABASE_URL", "SECRET_KEY", "ENVIRONMENT"}}
    env |= {"DATABASE_URL": url, "DATA_DIR": str(tmp), "SECRET_KEY": SECRET, "ENVIRONMENT": "test"}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_cli(tmp: Path, url: str, *args: str) -> Result:
    """The same command line in this process (typer's runner): quicker than a child."""
    runner = CliRunner(env={"DATABASE_URL": url, "DATA_DIR": str(tmp), "SECRET_KEY": SECRET, "ENVIRONMENT": "test"})
    get_settings.cache_clear()
    try:
        return runner.invoke(app, list(args), prog_name=PROG, catch_exceptions=False)
    finally:
        get_settings.cache_clear()


def said(text_: str) -> str:
    """What the command told the operator, with rich's line wrapping undone."""
    return " ".join(text_.split())


def rows(database: Database, stmt: Any) -> list[Row]:
    with database.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def history(database: Database) -> list[Row]:
    """Every value_history row, all columns, in id order."""
    return rows(database, select(ValueHistory.__table__).order_by(ValueHistory.id))


def figures(database: Database) -> dict[Key, tuple[float, int | None]]:
    """monthly_values as (district, month, indicator) → (value, submission that wrote it)."""
    mv = MonthlyValue
    return {
        (c, m, i): (v, s)
        for c, m, i, v, s in rows(
            database, select(mv.district_code, mv.month, mv.indicator_code, mv.value, mv.submission_id)
        )
    }


def replay(changes: Iterable[Row]) -> dict[Key, tuple[float, int | None]]:
    """monthly_values as value_history says they are after ``changes`` (rows in id order), starting
    from an empty table: each change leaves its new value (NULL: removed) and its submission."""
    state: dict[Key, tuple[float, int | None]] = {}
    for _id, code, month, indicator, _old, new, submission, *_rest in changes:
        if new is None:
            state.pop((code, month, indicator), None)
        else:
            state[(code, month, indicator)] = (new, submission)
    return state


class Writers:
    """Four threads writing district-months through ``write_months`` until stopped, each on its own
    sessions; ``commits`` counts what they committed."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.stop = threading.Event()
        self.commits = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(len(OWN))
        self._futures: list[Future[None]] = []

    def _write(self, seed: int, districts: tuple[str, ...]) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            write_month(self.database, random_month(rng, districts))
            with self._lock:
                self.commits += 1

    def __enter__(self) -> Writers:
        self._futures = [self._pool.submit(self._write, n, (SHARED, *own)) for n, own in enumerate(OWN)]
        return self

    def wait_for(self, commits: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.commits < commits:
            for f in self._futures:
                if f.done():
                    f.result()  # a writer failed: say why
            assert time.monotonic() < deadline, f"the writers committed only {self.commits} times"
            time.sleep(0.01)

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self._pool.shutdown(wait=True)
        for f in self._futures:
            f.result()


# ----------------------------------------------------------------------------- while writers write


def test_a_backup_taken_while_four_writers_write_restores_to_the_source_as_of_its_moment(
    backend: str, fresh_databases: FreshDatabases, tmp_path: Path
) -> None:
    """Four threads write district-months through ``write_months`` (creating, changing and removing
    figures) while ``service.create`` copies the database; the copy, restored by ``python -m app
    restore`` into an empty database, must be the source as it stood at one moment.

    Which moment: a backup holds a set S of whole transactions (SQLite copies one read snapshot,
    pg_dump one exported snapshot), and every write is one transaction with one submission row, so S
    is the restored database's submission ids. It is not simply "ids up to max(S)": on PostgreSQL
    writers of different districts commit in another order than they took their ids.

    How the source is read "as of S", although its monthly_values have moved on since: by replaying
    value_history. Every figure here was written by ``write_months``, which records each change
    (created, changed, removed) with its submission; changes of one figure are ordered by id because
    writers of a district wait for each other (``store.lock_district_months``). So the replay of the
    source's history rows whose submission is in S is the source's monthly_values at the backup's
    moment. The method is checked on the source itself first: the replay of all its history must be
    its present monthly_values. Then: the restored history is exactly the source's history of S, row
    for row; the restored monthly_values are the replay of S, figure and submission; the restored
    submissions are the source's rows of S; and the summary check the restore runs passes.
    """
    source = migrated(new_database(fresh_databases, backend))
    target = new_database(fresh_databases, backend)
    file = tmp_path / ("copy.db" if backend == "sqlite" else "copy.dump")
    during: list[int] = []  # writers' commits, seen at each step of the copy

    def progress(_done: int, _total: int) -> None:
        during.append(writers.commits)
        time.sleep(0.02)  # as if the database were bigger: the copy spans many commits

    with Writers(source) as writers:
        writers.wait_for(20)
        contents = service.create(source, file, progress=progress, step_pages=8)
        writers.wait_for(writers.commits + 20)  # and writes after the backup's moment
    assert len(during) > 1 and during[-1] > during[0], f"no commit while the copy ran: {during}"

    restored = run_python_m_app(tmp_path, target.url, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert "年度汇总与月度数据一致 The yearly summary matches the monthly values" in said(restored.stderr)

    # The method, on the source's present: the replay of all history is what monthly_values hold.
    source_history = history(source)
    assert replay(source_history) == figures(source)

    source_submissions = {r[0]: r for r in rows(source, select(Submission.__table__))}
    restored_submissions = {r[0]: r for r in rows(target, select(Submission.__table__))}
    included = set(restored_submissions)
    assert included < set(source_submissions), "the writes after the backup are not in it"
    assert len(included) >= 20 and contents.last_submission == max(included)
    assert restored_submissions == {i: source_submissions[i] for i in included}

    as_of_backup = [h for h in source_history if h[6] in included]
    assert history(target) == as_of_backup
    restored_figures = figures(target)
    assert restored_figures == replay(as_of_backup)
    assert contents.monthly_values == len(restored_figures) and contents.value_history == len(as_of_backup)
    assert restored_figures != figures(source)  # the source has moved on since


# ----------------------------------------------------------------------------- refusals and reports


@pytest.fixture
def small(backend: str, fresh_databases: FreshDatabases) -> Database:
    """A migrated database with the districts and one district-month of three figures."""
    database = migrated(new_database(fresh_databases, backend))
    write_month(database, MonthData(SHARED, MONTHS[0], {i: 3.0 for i in INDICATORS[:3]}))
    return database


def test_backup_reports_what_it_wrote_and_restore_refuses_a_database_that_is_not_empty(
    small: Database, backend: str, fresh_databases: FreshDatabases, tmp_path: Path
) -> None:
    file = tmp_path / "yingji-backup"
    done = run_python_m_app(tmp_path, small.url, "backup", str(file))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    told = said(done.stderr)
    size = file.stat().st_size
    tables = len(Base.metadata.tables) + 1  # and alembic_version
    assert f"已写入备份 Backup written: {file} ({size:,} 字节 bytes," in told
    assert re.search(
        rf"{tables} 张表 tables · monthly_values 3 行 rows · value_history 3 行 rows · 最后报送 last submission #1 "
        r"\(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\) · 结构版本 schema " + str(head_revision(small.engine)),
        told,
    ), told
    assert ("integrity_check: ok" if backend == "sqlite" else "pg_restore --list") in told
    assert not list(tmp_path.glob(".*partial"))

    # Into the database it came from: refused, nothing touched.
    before = rows(small, select(MonthlyValue.__table__).order_by(MonthlyValue.id))
    refused = run_python_m_app(tmp_path, small.url, "restore", str(file))
    assert refused.returncode == 2, refused.stderr
    assert said(refused.stderr).startswith("错误 Error: 目标数据库 ")
    assert f"不是空库（已有 {tables} 张表，如 monthly_values），恢复只写入空库" in said(refused.stderr)
    assert f"is not empty ({tables} tables, monthly_values among them); restore writes only into an empty database" in (
        said(refused.stderr)
    )
    assert len(refused.stderr.strip().splitlines()) == 1
    assert rows(small, select(MonthlyValue.__table__).order_by(MonthlyValue.id)) == before

    # An existing FILE is kept unless --force.
    again = run_cli(tmp_path, small.url, "backup", str(file))
    assert again.exit_code == 2 and "已存在；换一个文件名，或加 --force 覆盖" in said(again.stderr)
    assert file.stat().st_size == size
    assert run_cli(tmp_path, small.url, "backup", "--force", str(file)).exit_code == 0
    missing_dir = run_cli(tmp_path, small.url, "backup", str(tmp_path / "no-such-dir" / "b"))
    assert missing_dir.exit_code == 2 and "不存在" in said(missing_dir.stderr)
    if backend == "sqlite":
        itself = run_cli(tmp_path, small.url, "backup", "--force", str(make_url(small.url).database))
        assert itself.exit_code == 2 and "is the database itself" in said(itself.stderr)

    # Not a backup at all, or a backup of the other database: refused before anything is written.
    empty = new_database(fresh_databases, backend)
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    not_backup = run_cli(tmp_path, empty.url, "restore", str(junk))
    assert not_backup.exit_code == 2 and "is not a backup" in said(not_backup.stderr)
    other_kind = tmp_path / "other-kind"
    other_kind.write_bytes(b"PGDMP" if backend == "sqlite" else b"SQLite format 3\x00")
    mismatch = run_cli(tmp_path, empty.url, "restore", str(other_kind))
    assert mismatch.exit_code == 2 and "backup but DATABASE_URL is a" in said(mismatch.stderr)
    assert run_cli(tmp_path, empty.url, "restore", str(tmp_path / "nowhere")).exit_code == 2

    # Into an empty one: restored; then that one is not empty any more.
    first = run_cli(tmp_path, empty.url, "restore", str(file))
    assert first.exit_code == 0, first.output
    assert "monthly_values 3 行 rows" in said(first.stderr)
    assert run_cli(tmp_path, empty.url, "restore", str(file)).exit_code == 2


def test_restore_exits_1_when_the_restored_yearly_summary_differs(
    small: Database, backend: str, fresh_databases: FreshDatabases, tmp_path: Path
) -> None:
    with small.engine.begin() as conn:  # as hand-written SQL would, behind the application's back
        conn.execute(text(f"DELETE FROM yearly_values WHERE district_code = '{SHARED}'"))
    file = tmp_path / "b"
    assert run_cli(tmp_path, small.url, "backup", str(file)).exit_code == 0
    done = run_cli(tmp_path, new_database(fresh_databases, backend).url, "restore", str(file))
    assert done.exit_code == 1, done.output
    assert "年度汇总与月度数据不一致 The yearly summary differs from the monthly values" in said(done.stderr)
    assert said(done.stderr).endswith("修复 Fix: python -m app summary rebuild")


def test_a_backup_of_an_older_schema_is_upgraded_on_restore(
    backend: str, fresh_databases: FreshDatabases, tmp_path: Path
) -> None:
    """A backup made before the yearly summary existed (0004) is restored, migrated to head (which
    builds the summary from the monthly rows) and checked."""
    old = migrated(new_database(fresh_databases, backend), "0004")
    with old.engine.begin() as conn:  # the write path of today needs today's tables: rows by hand
        sub = conn.execute(
            insert(Submission).values(
                source_format=SourceFormat.seed, source=DataSource.synthetic, status=SubmissionStatus.applied
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            insert(MonthlyValue),
            [
                {
                    "district_code": SHARED,
                    "month": month,
                    "indicator_code": "drill.drills",
                    "value": 2.0,
                    "source": DataSource.synthetic,
                    "submission_id": sub,
                    "updated_at": utcnow(),
                }
                for month in MONTHS
            ],
        )
    file = tmp_path / "old"
    assert run_cli(tmp_path, old.url, "backup", str(file)).exit_code == 0
    target = new_database(fresh_databases, backend)
    done = run_cli(tmp_path, target.url, "restore", str(file))
    assert done.exit_code == 0, done.output
    assert "结构版本 schema 0004" in said(done.stderr)
    assert f"数据库已迁移 Database migrated: 0004 → {head_revision(target.engine)}" in said(done.stderr)
    assert "年度汇总与月度数据一致" in said(done.stderr)
    assert current_revision(target.engine) == head_revision(target.engine)
    with target.engine.connect() as conn:
        assert conn.execute(select(YearlyValue.total).where(YearlyValue.district_code == SHARED)).scalar() == 24


# ----------------------------------------------------------------------------- PostgreSQL's clients


@pytest.fixture
def pg(fresh_databases: FreshDatabases) -> Database:
    """An empty PostgreSQL database: the clients are checked before anything is read."""
    return new_database(fresh_databases, "postgresql")


def test_pg_dump_and_pg_restore_get_no_password_on_their_command_line(
    fresh_databases: FreshDatabases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The password of DATABASE_URL reaches pg_dump and pg_restore in PGPASSWORD only (the test
    server trusts local connections, so the password is carried, not checked)."""
    password = "s3cret-Pw/9"

    def with_password(database: Database) -> Database:
        return Database(make_url(database.url).set(password=password).render_as_string(hide_password=False))

    source = with_password(migrated(new_database(fresh_databases, "postgresql")))
    target = with_password(new_database(fresh_databases, "postgresql"))
    started: list[tuple[list[str], dict[str, str]]] = []
    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: Any) -> Any:
        started.append((list(args), dict(kwargs.get("env") or os.environ)))
        return real_popen(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    try:
        service.create(source, tmp_path / "p.dump")
        service.restore(target, tmp_path / "p.dump")
    finally:
        source.engine.dispose()
        target.engine.dispose()
    connecting = [(args, env) for args, env in started if any(a.startswith("--dbname=") for a in args)]
    assert [Path(args[0]).name for args, _env in connecting] == ["pg_dump", "pg_restore"]
    for _args, env in connecting:
        assert env["PGPASSWORD"] == password
    for args, _env in started:
        assert not any(password in a for a in args), args


def test_a_missing_or_too_old_pg_dump_is_one_clear_line(
    pg: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "pg_dump" else real_which(name))
    done = run_cli(tmp_path, pg.url, "backup", str(tmp_path / "x"))
    assert done.exit_code == 1
    assert said(done.stderr) == (
        "错误 Error: PATH 中找不到 pg_dump；请安装与服务器同一大版本或更新的 PostgreSQL 客户端（Debian/Ubuntu："
        "postgresql-client） / pg_dump is not on PATH; install the PostgreSQL client of the server's major "
        "version or newer (Debian/Ubuntu: postgresql-client)"
    )
    monkeypatch.undo()

    with pg.engine.connect() as conn:
        server = postgres.server_version(conn)
    monkeypatch.setattr(postgres, "client_version", lambda _binary: (server[0] - 1,))
    done = run_cli(tmp_path, pg.url, "backup", str(tmp_path / "x"))
    assert done.exit_code == 1
    assert f"pg_dump {server[0] - 1} is older than the server (PostgreSQL {server[0]}) and cannot dump it" in (
        said(done.stderr)
    )
    assert f"postgresql-client-{server[0]}" in said(done.stderr)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("said_", "version"),
    [
        ("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", (15,)),
        ("pg_dump (PostgreSQL) 17.2", (17,)),
        ("pg_dump (PostgreSQL) 9.6.24", (9, 6)),
    ],
)
def test_client_versions_compare_by_major_version(said_: str, version: tuple[int, ...], tmp_path: Path) -> None:
    fake = tmp_path / "pg_dump"
    fake.write_text(f"#!/bin/sh\necho '{said_}'\n")
    fake.chmod(0o755)
    assert postgres.client_version(str(fake)) == version
    postgres.check_client(version, version)
    with pytest.raises(BackupError):
        postgres.check_client(version, (version[0] + 1,))


def test_the_connection_string_carries_everything_but_the_password() -> None:
    conninfo, env = postgres.libpq_target(
        "postgresql+psycopg://yingji:p%40ss@db.example:6543/yingji?sslmode=require&connect_timeout=5"
    )
    assert "p@ss" not in conninfo and "password" not in conninfo
    assert set(conninfo.split()) == {
        "host=db.example",
        "port=6543",
        "user=yingji",
        "dbname=yingji",
        "sslmode=require",
        "connect_timeout=5",
    }
    assert env["PGPASSWORD"] == "p@ss"
