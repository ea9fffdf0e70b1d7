"""Test fixtures: every database test runs on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL.

Each run makes its own SQLite files and its own PostgreSQL databases (dropped at the end). A
seeded database is built once per backend; each test runs inside a transaction that is rolled
back (``join_transaction_mode="create_savepoint"``), so tests do not see each other's writes.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.auth.models import User
from app.core.config import Settings
from app.core.db import Database
from app.core.deps import get_session
from app.core.migrate import upgrade
from app.indicators.service import IndicatorInfo

# The seed's "today": fixed so that the demo months (2019-01 … 2026-10) do not move under the tests.
SEED_TODAY = dt.date(2026, 11, 22)
BACKENDS = ["sqlite", "postgresql"]


def _postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL")
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _require_postgres() -> bool:
    return os.environ.get("REQUIRE_POSTGRES") == "1"


class FreshDatabases:
    """Makes empty databases for one test run and removes them afterwards."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pg_created: list[str] = []

    def url(self, backend: str) -> str:
        name = f"yingji_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        if backend == "sqlite":
            return f"sqlite:///{(self.tmp / f'{name}.db').as_posix()}"
        admin = _postgres_admin_url()
        if not admin:
            if _require_postgres():
                pytest.fail("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
            pytest.skip("PostgreSQL tests skipped: set TEST_POSTGRES_URL (REQUIRE_POSTGRES=1 makes this a failure)")
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            if _require_postgres():
                raise
            pytest.skip(f"PostgreSQL at TEST_POSTGRES_URL unreachable: {exc}")
        finally:
            engine.dispose()
        self.pg_created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    def cleanup(self) -> None:
        admin = _postgres_admin_url()
        if not admin or not self.pg_created:
            return
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name in self.pg_created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def fresh_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshDatabases]:
    fresh = FreshDatabases(tmp_path_factory.mktemp("db"))
    yield fresh
    fresh.cleanup()


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, fresh_databases: FreshDatabases) -> Iterator[Database]:
    """A brand-new database with no schema, per test."""
    database = Database(fresh_databases.url(request.param))
    yield database
    database.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, fresh_databases: FreshDatabases) -> Iterator[Database]:
    """A migrated and seeded database, shared by the tests of one backend."""
    from seed.loader import seed_demo

    database = Database(fresh_databases.url(request.param))
    upgrade(database.engine)
    seed_demo(database, today=SEED_TODAY)
    yield database
    database.engine.dispose()


@pytest.fixture(scope="session")
def catalogue(fresh_databases: FreshDatabases) -> dict[str, IndicatorInfo]:
    """The indicator catalogue as the migrations load it, for tests of the rules that need no data."""
    from app.indicators.service import get_all

    database = Database(fresh_databases.url("sqlite"))
    upgrade(database.engine)
    with database.session() as s:
        found = get_all(s)
    database.engine.dispose()
    return found


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session whose work is rolled back after the test, even if the code under test commits."""
    with database.engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield s
        finally:
            s.close()
            outer.rollback()


@pytest.fixture(scope="session")
def _apps() -> dict[str, FastAPI]:
    return {}


@pytest.fixture
def api(database: Database, session: Session, _apps: dict[str, FastAPI]) -> Iterator[FastAPI]:
    """The real app on the seeded database of this backend, with the test's rolled-back session."""
    from app.main import create_app

    if database.url not in _apps:
        _apps[database.url] = create_app(Settings(database_url=database.url, environment="test"), database)
    app = _apps[database.url]

    def _session() -> Iterator[Session]:
        yield session
        session.flush()

    @contextmanager
    def _dash_session() -> Iterator[Session]:
        yield session
        session.flush()

    app.dependency_overrides[get_session] = _session
    app.state.dash.server.config["SESSION_SCOPE"] = _dash_session
    yield app
    app.dependency_overrides.clear()
    app.state.dash.server.config.pop("SESSION_SCOPE", None)


@pytest.fixture
def client(api: FastAPI) -> Iterator[TestClient]:
    with TestClient(api, raise_server_exceptions=False) as c:
        yield c


# ----------------------------------------------------------------------------- factories


def create_user(
    session: Session,
    *,
    name: str | None = None,
    role: str = "staff",
    districts: tuple[str, ...] = ("120102",),
    password: str | None = None,
) -> User:
    from app.auth.models import Role
    from app.auth.service import create_user as _create

    return _create(
        session,
        name=name or f"u_{uuid.uuid4().hex[:8]}",
        role=Role(role),
        districts=list(districts) if role != "admin" else [],
        password=password,
    )


def bearer(session: Session, user: User, *, expires_at: dt.datetime | None = None) -> dict[str, str]:
    from app.auth.service import create_token

    _row, plaintext = create_token(session, user=user, expires_at=expires_at)
    return {"Authorization": f"Bearer {plaintext}"}


class HeadersFor(Protocol):
    """The ``headers_for`` fixture: ``headers_for("staff", "120102")``."""

    def __call__(self, role: str = "staff", *districts: str) -> dict[str, str]: ...


@pytest.fixture
def headers_for(session: Session) -> HeadersFor:
    """``headers_for("staff", "120102")`` → Authorization headers of a new user with that scope."""

    def make(role: str = "staff", *districts: str) -> dict[str, str]:
        return bearer(session, create_user(session, role=role, districts=districts))

    return make


@pytest.fixture
def admin_headers(headers_for: HeadersFor) -> dict[str, str]:
    return headers_for("admin")


# ----------------------------------------------------------------------------- a real server


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    db_file: Path
    log_file: Path
    env: dict[str, str]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


ROOT = Path(__file__).resolve().parents[1]
LEADER = ("leader", "leader-pass-2021")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``python -m app serve`` in a subprocess on a seeded SQLite file, with a viewer ``leader``."""
    data = tmp_path_factory.mktemp("live")
    env = {**os.environ, "DATA_DIR": str(data), "DATABASE_URL": "", "ENVIRONMENT": "local", "LOG_LEVEL": "INFO"}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = LiveServer(f"http://127.0.0.1:{port}", data, data / "yingji.db", data / "server.log", env)
    for args in (
        ("seed", "--today", SEED_TODAY.isoformat()),
        ("users", "create", "--name", LEADER[0], "--role", "viewer", "--district", "120000", "--password", LEADER[1]),
    ):
        done = server.cli(*args)
        assert done.returncode == 0, done.stderr
    log = server.log_file.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--no-seed"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(server.url + "/api/v1/health/ready", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("live server did not start:\n" + server.log_file.read_text())
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def chromium_executable() -> str:
    """Debian's Chromium; without it browser tests skip, unless REQUIRE_BROWSER=1 (CI) fails them."""
    for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(path).exists():
            return path
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail("REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium chromium-driver)")
    pytest.skip("browser tests skipped: no Chromium at /usr/bin/chromium (apt-get install chromium)")


BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            raise
        pytest.skip("playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield b
        b.close()


ARTIFACTS = ROOT / "tests" / "artifacts"
