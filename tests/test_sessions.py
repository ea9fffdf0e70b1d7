"""Sessions end on the server (issue 13, point 5): signing out (a POST) ends that cookie; a new
password, disabling a user or an admin's "end all sessions" end every cookie and token of the user
at once; the same through the API and `python -m app users set-password|disable|enable`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import AuthEvent, User, UserSession
from app.auth.security import SESSION_COOKIE
from app.core.config import Settings
from app.core.db import Database, utcnow
from app.core.migrate import upgrade
from tests.conftest import bearer, create_user
from tests.test_cli_accounts import SECRET, run_cli

PASSWORD = "session-pass-2021"
SAME_ORIGIN = {"Origin": "http://testserver"}


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    client.cookies.clear()
    r = client.post(
        "/dashboard/login", data={"username": name, "password": password}, headers=SAME_ORIGIN, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    return cookie


def signed_in(client: TestClient, cookie: str) -> bool:
    """Whether ``cookie`` opens the API and the dashboard (asked with that cookie alone)."""
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)
    api = client.get("/api/v1/me").status_code
    page = client.get("/dashboard/", follow_redirects=False).status_code
    client.cookies.clear()
    assert (api == 200) == (page == 200), (api, page)
    return api == 200


def test_signing_out_ends_the_session_on_the_server(client: TestClient, session: Session) -> None:
    create_user(session, name="so_leader", role="viewer", districts=("120000",), password=PASSWORD)
    cookie = sign_in(client, "so_leader")
    other_device = sign_in(client, "so_leader")
    assert signed_in(client, cookie)
    client.cookies.set(SESSION_COOKIE, cookie)
    out = client.post("/dashboard/logout", headers=SAME_ORIGIN, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
    # The cookie, kept (as a thief would keep it), opens nothing any more; another sign-in lives on.
    assert not signed_in(client, cookie)
    assert signed_in(client, other_device)
    row = session.scalars(select(UserSession).join(User).where(User.name == "so_leader")).all()
    assert sorted(r.ended_at is not None for r in row) == [False, True]


def test_sign_out_is_a_post_only(client: TestClient, session: Session) -> None:
    create_user(session, name="so_get", role="viewer", districts=("120000",), password=PASSWORD)
    cookie = sign_in(client, "so_get")
    client.cookies.set(SESSION_COOKIE, cookie)
    # A link (or an <img src>) on any page cannot sign anyone out.
    r = client.get("/dashboard/logout", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/"
    # Nor can a form on another site.
    r = client.post("/dashboard/logout", headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert r.status_code == 403
    assert signed_in(client, cookie)
    # The dashboard's button is a form that posts.
    client.cookies.set(SESSION_COOKIE, cookie)
    layout = client.get("/dashboard/_dash-layout").text.replace("\\u002f", "/")
    assert '"method":"POST"' in layout and '"action":"/dashboard/logout"' in layout


def test_an_admin_ends_every_session_and_token_of_a_user(
    client: TestClient, session: Session, admin_headers: dict[str, str]
) -> None:
    user = create_user(session, name="so_staff", role="staff", districts=("120102",), password=PASSWORD)
    cookie, token = sign_in(client, "so_staff"), bearer(session, user)
    assert client.get("/api/v1/me", headers=token).status_code == 200
    r = client.post("/api/v1/users/so_staff/sessions/end", headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"user": "so_staff", "sessions": 1, "tokens": 1}
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert not signed_in(client, cookie)
    # The user can sign in again: only what existed was ended.
    assert signed_in(client, sign_in(client, "so_staff"))


def test_a_new_password_ends_the_old_sessions_and_tokens(
    client: TestClient, session: Session, admin_headers: dict[str, str]
) -> None:
    user = create_user(session, name="so_pw", role="staff", districts=("120102",), password=PASSWORD)
    cookie, token = sign_in(client, "so_pw"), bearer(session, user)
    r = client.post("/api/v1/users/so_pw/password", json={"password": "a-new-password-2022"}, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert not signed_in(client, cookie)
    assert client.get("/api/v1/me", headers=token).status_code == 401
    client.cookies.clear()
    old = client.post("/dashboard/login", data={"username": "so_pw", "password": PASSWORD}, follow_redirects=False)
    assert old.status_code == 401
    assert signed_in(client, sign_in(client, "so_pw", "a-new-password-2022"))
    short = client.post("/api/v1/users/so_pw/password", json={"password": "short"}, headers=admin_headers)
    assert short.status_code == 422
    kinds = session.scalars(select(AuthEvent.kind).where(AuthEvent.user_id == user.id)).all()
    assert "password_changed" in kinds and "sessions_ended" in kinds


def test_disabling_ends_everything_and_enabling_revives_nothing(
    client: TestClient, session: Session, admin_headers: dict[str, str]
) -> None:
    user = create_user(session, name="so_off", role="staff", districts=("120102",), password=PASSWORD)
    cookie, token = sign_in(client, "so_off"), bearer(session, user)
    assert client.post("/api/v1/users/so_off/disable", headers=admin_headers).json()["is_active"] is False
    assert not signed_in(client, cookie)
    assert client.get("/api/v1/me", headers=token).status_code == 401
    refused = client.post("/dashboard/login", data={"username": "so_off", "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 401
    assert client.post("/api/v1/users/so_off/enable", headers=admin_headers).json()["is_active"] is True
    assert not signed_in(client, cookie)
    assert client.get("/api/v1/me", headers=token).status_code == 401
    assert signed_in(client, sign_in(client, "so_off"))


def test_the_user_api_is_for_admins(client: TestClient, session: Session, headers_for: Any) -> None:
    create_user(session, name="so_target", role="viewer", districts=("120000",), password=PASSWORD)
    staff = headers_for("staff", "120102")
    for path in ("password", "disable", "enable", "sessions/end"):
        body = {"password": "x" * 12} if path == "password" else None
        assert client.post(f"/api/v1/users/so_target/{path}", json=body, headers=staff).status_code == 403
    admin = create_user(session, name="so_admin", role="admin", password=PASSWORD)
    headers = bearer(session, admin)
    assert client.post("/api/v1/users/nobody_at_all/disable", headers=headers).status_code == 404
    own = client.post("/api/v1/users/so_admin/disable", headers=headers)
    assert own.status_code == 409 and own.headers["content-type"].startswith("application/problem+json")


def test_an_expired_session_row_is_refused_even_with_a_fresh_cookie(client: TestClient, session: Session) -> None:
    create_user(session, name="so_exp", role="viewer", districts=("120000",), password=PASSWORD)
    cookie = sign_in(client, "so_exp")
    row = session.scalars(select(UserSession).join(User).where(User.name == "so_exp")).one()
    row.expires_at = utcnow() - dt.timedelta(seconds=1)
    session.flush()
    assert not signed_in(client, cookie)


def test_the_command_line_sets_passwords_and_disables(empty_database: Database, tmp_path: Path) -> None:
    if empty_database.dialect != "sqlite":
        return  # the command line is the same on both; one database is enough for it
    upgrade(empty_database.engine)
    env = {"DATABASE_URL": empty_database.url, "SECRET_KEY": SECRET, "ENVIRONMENT": "test"}
    assert (
        run_cli(
            tmp_path, "users", "create", "--name", "cli_user", "--role", "viewer", "--password", PASSWORD, **env
        ).returncode
        == 0
    )
    settings = Settings(database_url=empty_database.url, environment="test", secret_key=SECRET)
    from app.auth.service import authenticate_password, start_session, user_from_session

    with empty_database.session() as s:
        user = s.scalars(select(User).where(User.name == "cli_user")).one()
        cookie = start_session(s, settings, user=user)
    done = run_cli(tmp_path, "users", "set-password", "--name", "cli_user", "--password", "cli-new-pass-1", **env)
    assert done.returncode == 0, done.stderr
    with empty_database.session() as s:
        assert user_from_session(s, settings, cookie) is None
        assert authenticate_password(s, settings, name="cli_user", password="cli-new-pass-1").user is not None
    assert run_cli(tmp_path, "users", "disable", "--name", "cli_user", **env).returncode == 0
    with empty_database.session() as s:
        assert authenticate_password(s, settings, name="cli_user", password="cli-new-pass-1").user is None
    assert run_cli(tmp_path, "users", "enable", "--name", "cli_user", **env).returncode == 0
    with empty_database.session() as s:
        assert authenticate_password(s, settings, name="cli_user", password="cli-new-pass-1").user is not None
    unknown = run_cli(tmp_path, "users", "disable", "--name", "nobody", **env)
    assert unknown.returncode == 2 and "nobody" in unknown.stdout + unknown.stderr
