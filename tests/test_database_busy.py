"""A read never holds a write lock, and a busy database answers 503 (issue 13, point 8): a token's
last use was flushed at the first query of a request and held SQLite's write lock (PostgreSQL's
row lock) until its end, so a concurrent PUT failed with 500 "database is locked" after 30 s."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select, text

from app.auth.models import ApiToken, Role
from app.auth.service import create_token, create_user
from app.core.config import Settings
from app.core.db import Database
from app.core.migrate import upgrade
from app.main import create_app

SECRET = "k" * 40


@pytest.fixture
def committed(empty_database: Database) -> Iterator[tuple[Database, TestClient, dict[str, str], int]]:
    """An app on a database of its own (real commits, no test transaction), with an admin's token."""
    upgrade(empty_database.engine)
    database = Database(empty_database.url, busy_timeout_ms=300)
    with database.session() as s:
        admin = create_user(s, name="busy_admin", role=Role.admin, password="busy-pass-123")
        row, token = create_token(s, user=admin)
        token_id = row.id
    app = create_app(Settings(database_url=database.url, environment="test", secret_key=SECRET), database)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield database, client, {"Authorization": f"Bearer {token}"}, token_id
    database.engine.dispose()


def last_used(database: Database, token_id: int) -> Any:
    with database.session() as s:
        return s.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))


def test_a_read_holds_no_write_lock_while_it_runs(committed: Any) -> None:
    database, client, headers, token_id = committed
    free: list[bool] = []

    def while_reading(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM indicators" not in statement:
            return
        # In the middle of the request: could someone else write now?
        if database.dialect == "sqlite":
            path = database.url.split("///", 1)[1]
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                free.append(True)
            except sqlite3.OperationalError:
                free.append(False)
            finally:
                other.close()
        else:
            engine = create_engine(database.url)
            try:
                with engine.begin() as conn:
                    conn.execute(text("SET LOCAL lock_timeout = '100ms'"))
                    conn.execute(text("SELECT id FROM api_tokens WHERE id = :id FOR UPDATE"), {"id": token_id})
                free.append(True)
            except Exception:
                free.append(False)
            finally:
                engine.dispose()

    event.listen(database.engine, "before_cursor_execute", while_reading)
    try:
        assert client.get("/api/v1/indicators", headers=headers).status_code == 200
    finally:
        event.remove(database.engine, "before_cursor_execute", while_reading)
    assert free == [True]
    # The last use was recorded all the same, in its own short transaction.
    assert last_used(database, token_id) is not None


def test_a_busy_sqlite_answers_reads_and_503s_writes(committed: Any) -> None:
    database, client, headers, token_id = committed
    if database.dialect != "sqlite":
        pytest.skip("SQLite's one write lock; PostgreSQL answers the same 503 on a lock timeout (test_uploads)")
    path = database.url.split("///", 1)[1]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding the lock
    try:
        started = time.perf_counter()
        read = client.get("/api/v1/me", headers=headers)
        assert read.status_code == 200, read.text  # the token's last use waits for nobody
        assert time.perf_counter() - started < 2
        write = client.post("/api/v1/users", json={"name": "late_user", "role": "viewer"}, headers=headers)
        assert write.status_code == 503, write.text
        assert write.headers["content-type"].startswith("application/problem+json")
        assert int(write.headers["retry-after"]) > 0
        assert write.json()["type"].endswith("/service-unavailable")
        # The dashboard answers alike: a sign-in must write its attempt.
        signin = client.post("/dashboard/login", data={"username": "busy_admin", "password": "busy-pass-123"})
        assert signin.status_code == 503 and signin.headers["retry-after"]
        assert last_used(database, token_id) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert last_used(database, token_id) is not None
    assert (
        client.post("/api/v1/users", json={"name": "late_user", "role": "viewer"}, headers=headers).status_code == 201
    )
