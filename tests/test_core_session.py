"""The request's unit of work (app.core.deps.get_session): commit on success, roll back on error,
keep what an error marked ``commit`` asks to keep, and answer 503 when the database refuses a commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.deps import SessionDep
from app.core.errors import ValidationFailed, install_error_handlers


@pytest.fixture
def app_and_db(tmp_path: Path) -> tuple[FastAPI, Database]:
    database = Database(f"sqlite:///{tmp_path / 'unit.db'}")
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
    app = FastAPI()
    app.state.database = database
    install_error_handlers(app)

    def write(session: Session, body: str) -> None:
        session.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})

    @app.post("/ok")
    def ok(session: SessionDep) -> dict[str, str]:
        write(session, "ok")
        return {"status": "stored"}

    @app.post("/rejected")
    def rejected(session: SessionDep) -> None:
        write(session, "attempt logged")
        raise ValidationFailed("数据有误", "Bad data", commit=True)

    @app.post("/failed")
    def failed(session: SessionDep) -> None:
        write(session, "half-written")
        raise ValidationFailed("数据有误", "Bad data")

    return app, database


def notes(database: Database) -> list[str]:
    with database.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT body FROM notes ORDER BY rowid"))]


def test_commit_rollback_and_kept_attempts(app_and_db: tuple[FastAPI, Database]) -> None:
    app, database = app_and_db
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/ok").status_code == 200
        r = client.post("/rejected")
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert client.post("/failed").status_code == 422
    assert notes(database) == ["ok", "attempt logged"]


def test_a_refused_commit_answers_503_and_stores_nothing(
    app_and_db: tuple[FastAPI, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, database = app_and_db

    def refuse(self: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(Session, "commit", refuse)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/ok")
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"]
    assert r.json()["type"].endswith("service-unavailable")
    monkeypatch.undo()
    assert notes(database) == []
