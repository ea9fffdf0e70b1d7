"""The operators' command line around accounts: the first admin, user names, --help, an unreachable database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
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


def run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m app ARGS`` in ``cwd``, with no settings but ``env`` (none of the caller's)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATA_DIR", "DATABASE_URL", "SECRET_KEY", "ENVIRONMENT"}}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_leaves_no_trace(tmp_path: Path) -> None:
    for args in (["--help"], ["serve", "--help"], ["users", "create", "--help"], ["migrate", "--help"]):
        done = run_cli(tmp_path, *args)
        assert done.returncode == 0, done.stderr
        assert "usage: python -m app" in done.stdout
    # No data/secret_key, no SQLite file: reading the settings is for commands that run.
    assert list(tmp_path.iterdir()) == []


def test_serve_takes_its_defaults_from_the_settings_when_it_runs() -> None:
    from tests.cli_helpers import parse_command_line

    args = parse_command_line(["serve"])
    assert args.host is None and args.port is None  # filled in from HOST / PORT by the command itself
    args = parse_command_line(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


BAD_NAMES = ["bad name", "x", "a/b", "<b>admin</b>", "robert'); --", "n" * 65]


def test_the_api_refuses_these_user_names(client: TestClient, admin_headers: dict[str, str]) -> None:
    for name in BAD_NAMES:
        r = client.post("/api/v1/users", json={"name": name, "role": "viewer"}, headers=admin_headers)
        assert r.status_code == 422, (name, r.text)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_users_create_refuses_the_names_the_api_refuses(name: str, tmp_path: Path) -> None:
    done = run_cli(
        tmp_path, "users", "create", "--name", name, "--role", "viewer", DATA_DIR=str(tmp_path), SECRET_KEY=SECRET
    )
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert "用户名" in done.stderr and "user name" in done.stderr.lower()
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "yingji.db").exists()  # refused before the database was opened


def test_users_create_accepts_what_the_api_accepts(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{(tmp_path / 'cli.db').as_posix()}")
    upgrade(database.engine)
    name = "河东区.staff-1_a"
    done = run_cli(
        tmp_path,
        *("users", "create", "--name", name, "--role", "viewer"),
        DATABASE_URL=database.url,
        DATA_DIR=str(tmp_path),
        SECRET_KEY=SECRET,
    )
    assert done.returncode == 0, done.stderr
    with database.session() as s:
        assert s.scalar(select(User.name)) == name
    database.engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        # Nothing listens on port 1; the password must not be printed.
        "postgresql+psycopg://yingji:hunter2@127.0.0.1:1/yingji",
        # A directory is no SQLite database.
        "sqlite:///{tmp}",
    ],
)
def test_migrate_against_an_unreachable_database_says_so_in_a_line(url: str, tmp_path: Path) -> None:
    url = url.format(tmp=tmp_path.as_posix())
    done = run_cli(tmp_path, "migrate", DATABASE_URL=url, DATA_DIR=str(tmp_path / "data"), SECRET_KEY=SECRET)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "数据库不可用" in lines[0] and "Database unavailable" in lines[0]
    assert url.split("@")[-1] in lines[0]  # which database
