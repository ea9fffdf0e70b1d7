"""Sign-in for people: the dashboard behind a password, throttling, sign-out (in-process and in Chromium)."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import AuthEvent, User
from app.auth.service import failures_of
from tests.conftest import ARTIFACTS, LEADER, LiveServer, create_user

PASSWORD = "correct-horse-battery"
SAME_ORIGIN = {"Origin": "http://testserver"}


def sign_in(client: TestClient, name: str, password: str, next_url: str = "/dashboard/") -> httpx.Response:
    # As a browser posts the form: with the page's Origin (a second sign-in carries the first's cookie).
    return client.post(
        "/dashboard/login",
        data={"username": name, "password": password, "next": next_url},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )


def test_dashboard_sends_strangers_to_the_sign_in_page(client: TestClient) -> None:
    r = client.get("/dashboard/?district=120102&year=2021", follow_redirects=False)
    assert r.status_code == 302
    assert r.headers["location"].startswith("/dashboard/login?next=/dashboard/")
    assert client.get("/dashboard/_dash-layout").status_code == 401
    page = client.get("/dashboard/login")
    assert page.status_code == 200 and 'id="login-form"' in page.text and "登录" in page.text


def test_the_sign_in_page_escapes_what_the_link_carries(client: TestClient) -> None:
    """``next`` comes from a link anyone can send: it goes back into the form as text, never as markup."""
    hostile = '/dashboard/data?x="><script>alert(1)</script>'
    page = client.get("/dashboard/login", params={"next": hostile})
    assert page.status_code == 200
    assert "<script>" not in page.text
    value = re.search(r'name="next" value="([^"]*)"', page.text)
    assert value is not None and html.unescape(value.group(1)) == hostile


def test_dashboard_answers_requests_without_sign_in_with_a_problem_json_401(client: TestClient) -> None:
    # A page load still goes to the sign-in page; what a script asks for gets the API's 401.
    assert client.get("/dashboard/data", follow_redirects=False).status_code == 302
    for method, path in (("GET", "/dashboard/_dash-layout"), ("POST", "/dashboard/_dash-update-component")):
        r = client.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["type"].endswith("/unauthorized") and body["status"] == 401 and body["instance"] == path
        assert body["title"] == "未认证 / Unauthorized"
        assert "登录" in body["detail"] and "sign in" in body["detail_en"]
        challenge = r.headers["www-authenticate"]
        assert challenge.startswith("Cookie ") and 'form-action="/dashboard/login"' in challenge


def test_password_sign_in_sets_a_safe_cookie_and_opens_the_dashboard(client: TestClient, session: Session) -> None:
    create_user(session, name="leader_a", role="viewer", districts=("120000",), password=PASSWORD)
    r = sign_in(client, "leader_a", PASSWORD, "/dashboard/?district=120102")
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/?district=120102"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/dashboard/").status_code == 200
    assert "leader_a" in client.get("/dashboard/_dash-layout").text
    # The same cookie works on the API, with the user's scope.
    assert client.get("/api/v1/me").json()["districts"] == ["120000"]
    events = session.scalars(
        select(AuthEvent.kind).join(User, User.id == AuthEvent.user_id).where(User.name == "leader_a")
    ).all()
    assert "login" in events
    out = client.post("/dashboard/logout", headers=SAME_ORIGIN, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
    client.cookies.clear()
    assert client.get("/dashboard/", follow_redirects=False).status_code == 302


def test_sign_in_never_redirects_off_site(client: TestClient, session: Session) -> None:
    create_user(session, name="leader_b", role="viewer", districts=("120000",), password=PASSWORD)
    r = sign_in(client, "leader_b", PASSWORD, "https://evil.example/")
    assert r.headers["location"] == "/dashboard/"
    r = sign_in(client, "leader_b", PASSWORD, "//evil.example/")
    assert r.headers["location"] == "/dashboard/"


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example/phish",  # a browser drops the tab: //evil.example/phish
        "/\n/evil.example",  # next=/%0a/… in the form: it was a 500
        "/\r\n/evil.example",
        "/\\evil.example",  # a browser reads the backslash as a slash
        "\\/evil.example",
        " //evil.example",
        "/ /evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "/\x00/x",
    ],
)
def test_sign_in_never_redirects_off_site_after_normalisation(
    client: TestClient, session: Session, target: str
) -> None:
    create_user(session, name="leader_n", role="viewer", districts=("120000",), password=PASSWORD)
    r = sign_in(client, "leader_n", PASSWORD, target)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/", (target, r.headers.get("location"))
    # The API's /login leads to the sign-in page with a safe target too (a query parameter with
    # control characters is refused at the door: 422).
    r = client.get("/login", params={"next": target}, follow_redirects=False)
    assert r.status_code == 422 or r.headers["location"] == "/dashboard/login?next=/dashboard/", r.text


def test_same_site_paths_are_kept(client: TestClient, session: Session) -> None:
    create_user(session, name="leader_p", role="viewer", districts=("120000",), password=PASSWORD)
    target = "/dashboard/districts?district=120000&year=2021&lang=en"
    assert sign_in(client, "leader_p", PASSWORD, target).headers["location"] == target


def test_an_unknown_name_is_throttled_like_an_account(client: TestClient, session: Session) -> None:
    """429 after five wrong passwords whether the name exists or not: the lock tells nothing."""
    create_user(session, name="leader_t", role="viewer", districts=("120000",), password=PASSWORD)
    for name in ("leader_t", "no_such_leader_t"):
        answers = [sign_in(client, name, "wrong-password").status_code for _ in range(6)]
        assert answers == [401] * 5 + [429], (name, answers)


def test_repeated_wrong_passwords_lock_the_account(client: TestClient, session: Session) -> None:
    create_user(session, name="leader_c", role="viewer", districts=("120000",), password=PASSWORD)
    for _ in range(5):
        assert sign_in(client, "leader_c", "wrong-password").status_code == 401
    locked = sign_in(client, "leader_c", PASSWORD)  # even the right password waits now
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) >= 1
    user = session.scalar(select(User).where(User.name == "leader_c"))
    failures, locked_until = failures_of(session, name="leader_c")
    assert user is not None and failures == 5 and locked_until is not None
    kinds = session.scalars(select(AuthEvent.kind).where(AuthEvent.user_id == user.id)).all()
    assert kinds.count("login_failed") == 5 and "login_locked" in kinds


def test_unknown_user_and_wrong_password_look_the_same(client: TestClient, session: Session) -> None:
    create_user(session, name="leader_d", role="viewer", districts=("120000",), password=PASSWORD)
    a = sign_in(client, "leader_d", "wrong-password")
    b = sign_in(client, "nobody_here", "wrong-password")
    assert a.status_code == b.status_code == 401
    assert "用户名或密码错误" in a.text and "用户名或密码错误" in b.text


def test_browser_signs_in_sees_dashboard_signs_out(live_server: LiveServer, browser: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(locale="zh-CN")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(live_server.url + "/dashboard/?district=120102&year=2021")
    page.wait_for_selector("#login-form")
    assert "/dashboard/login" in page.url
    page.screenshot(path=str(ARTIFACTS / "signin.png"))
    page.fill("#username", LEADER[0])
    page.fill("#password", LEADER[1])
    page.click("#login-submit")
    page.wait_for_selector("#signed-in-user:has-text('leader')", timeout=20000)
    assert page.url.endswith("/dashboard/?district=120102&year=2021")
    page.screenshot(path=str(ARTIFACTS / "dashboard-signed-in.png"))
    page.click("#sign-out")
    page.wait_for_selector("#login-form")
    assert "/dashboard/login" in page.url
    # Signed out means signed out: the dashboard sends us back again.
    page.goto(live_server.url + "/dashboard/")
    page.wait_for_selector("#login-form")
    assert not [e for e in errors if "401" not in e and "status of 401" not in e], errors
    page.close()


def test_token_plaintext_is_nowhere_in_database_or_logs(live_server: LiveServer) -> None:
    import httpx

    admin = live_server.cli("users", "create", "--name", "ops_admin", "--role", "admin")
    assert admin.returncode == 0, admin.stderr
    made = live_server.cli("tokens", "create", "--user", "ops_admin")
    assert made.returncode == 0
    admin_token = made.stdout.strip()
    assert admin_token.startswith("yjt_") and "\n" not in admin_token
    # A token made through the API, then used, so that the server has logged requests with it.
    r = httpx.post(
        live_server.url + "/api/v1/tokens",
        json={"user": LEADER[0], "name": "leader script"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert r.status_code == 201, r.text
    api_token = r.json()["token"]
    assert (
        httpx.get(live_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200
    )
    blobs = [p.read_bytes() for p in live_server.data_dir.glob("yingji.db*")]
    blobs.append(live_server.log_file.read_bytes())
    blobs.append((made.stderr or "").encode())
    assert len(blobs) >= 2
    for token in (admin_token, api_token):
        secret = token.split("_", 2)[2]
        for blob in blobs:
            assert token.encode() not in blob
            assert secret.encode() not in blob
