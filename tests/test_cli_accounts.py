"""The operators' command line around accounts: the first admin, user names, --help, an unreachable database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth.cli import DEMO_ADMIN, ensure_demo_admin
from app.auth.models import Role, User
from app.core.config import Settings
from app.core.db import Database
from app.core.migrate import upgrade

SECRET = "k" * 40


def test_first_start_makes_a_demo_admin_on_sqlite_only(
    empty_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade(empty_database.engine)
    settings = Settings(database_url=empty_database.url, environment="local", data_dir=tmp_path, secret_key=SECRET)
    ensure_demo_admin(empty_database, settings)
    err = capsys.readouterr().err
    with empty_database.session() as s:
        users = s.scalars(select(User)).all()
    note = tmp_path / "demo-admin.txt"
    if empty_database.dialect == "sqlite":
        # A laptop: the demo admin, its password printed and kept in the data folder.
        assert [(u.name, u.role) for u in users] == [(DEMO_ADMIN, Role.admin)]
        assert note.exists() and note.read_text(encoding="utf-8").split("password:")[1].strip() in err
        return
    # A server (ENVIRONMENT=local is only the default): nobody created, no password in the log,
    # one line in both languages on how to make the first admin.
    assert users == [] and not note.exists()
    assert "password:" not in err and "密码" not in err
    hint = [line for line in err.splitlines() if "users create" in line]
    assert len(hint) == 1, err
    assert "管理员" in hint[0] and "first admin" in hint[0]
    assert "python -m app users create --name admin --role admin --password" in hint[0]


def test_no_demo_admin_outside_local_even_on_sqlite(
    empty_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade(empty_database.engine)
    settings = Settings(database_url=empty_database.url, environment="production", data_dir=tmp_path, secret_key=SECRET)
    ensure_demo_admin(empty_database, settings)
    with empty_database.session() as s:
        assert s.scalars(select(User)).all() == []
    assert "users create --name admin --role admin" in capsys.readouterr().err
    # Once an admin exists, nothing more is said.
    with empty_database.session() as s:
        from app.auth.service import create_user

        create_user(s, name="boss", role=Role.admin, password="boss-password-1")
    ensure_demo_admin(empty_database, settings)
    assert capsys.readouterr().err == ""
