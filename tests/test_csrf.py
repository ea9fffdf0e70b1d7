"""The session cookie does not authorise requests that another site makes a browser send (issue 13,
point 4): a page on another port of the same host posted a CSV as the signed-in clerk. Unsafe
requests with the cookie need the browser's word that they come from this origin, or the CSRF
token; bearer-token requests are unaffected."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.security import CSRF_COOKIE, SESSION_COOKIE
from app.submissions.models import Submission
from tests.conftest import LiveServer, bearer, create_user
from tests.upload_helpers import CLEAN, UPLOADS, csv_bytes

PASSWORD = "clerk-pass-2024"
CSV = csv_bytes([(CLEAN, "2024-03", "penalty.cases", 3)])
MONTH = f"/api/v1/districts/{CLEAN}/months/2024-03"


def signed_in_clerk(client: TestClient, session: Session) -> None:
    create_user(session, name="clerk", role="staff", districts=(CLEAN,), password=PASSWORD)
    r = client.post("/dashboard/login", data={"username": "clerk", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    assert client.cookies.get(SESSION_COOKIE) and client.cookies.get(CSRF_COOKIE)


def submissions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Submission)) or 0


def post_csv(client: TestClient, headers: dict[str, str]) -> Any:
    return client.post(UPLOADS, files={"file": ("m.csv", CSV, "text/csv")}, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver:8050", "Sec-Fetch-Site": "same-site"},  # another port of this host
        {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://testserver:8050"},  # a browser without fetch metadata
        {"Origin": "null"},  # a sandboxed frame or a data: page
        {},  # neither header, and no token
        {"X-CSRFToken": "forged"},
    ],
    ids=["same-site-port", "cross-site", "origin-only", "null-origin", "no-headers", "forged-token"],
)
def test_cookie_uploads_from_elsewhere_are_refused(
    client: TestClient, session: Session, headers: dict[str, str]
) -> None:
    signed_in_clerk(client, session)
    before = submissions(session)
    r = post_csv(client, headers)
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "csrf.cross_site"
    assert submissions(session) == before
    # JSON writes and the dashboard's callbacks are guarded alike.
    assert client.put(MONTH, json={"values": {"penalty.cases": 3}}, headers=headers).status_code == 403
    assert client.post("/dashboard/_dash-update-component", json={}, headers=headers).status_code == 403


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}, {"Origin": "http://testserver"}, "token"],
    ids=["fetch-metadata", "origin", "token"],
)
def test_cookie_uploads_from_this_site_pass(client: TestClient, session: Session, headers: Any) -> None:
    signed_in_clerk(client, session)
    if headers == "token":
        # Dash's renderer sends the token of its cookie in this header, whatever the browser.
        headers = {"X-CSRFToken": client.cookies.get(CSRF_COOKIE) or ""}
    r = post_csv(client, headers)
    assert r.status_code == 201, r.text


def test_bearer_tokens_are_not_affected(client: TestClient, session: Session) -> None:
    clerk = create_user(session, name="script", role="staff", districts=(CLEAN,))
    headers = {**bearer(session, clerk), "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert post_csv(client, headers).status_code == 201


def test_signing_in_from_another_site_is_refused(client: TestClient, session: Session) -> None:
    create_user(session, name="clerk2", role="staff", districts=(CLEAN,), password=PASSWORD)
    r = client.post(
        "/dashboard/login",
        data={"username": "clerk2", "password": PASSWORD},
        headers={"Origin": "http://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and SESSION_COOKIE not in r.cookies


# ----------------------------------------------------------------------------- in a browser


ATTACK = """<!doctype html><html><body><script>
const form = new FormData();
form.append("file", new Blob(["district_code,month,indicator,value\\n{code},2024-04,penalty.cases,9\\n"],
    {{type: "text/csv"}}), "evil.csv");
fetch("{target}/api/v1/uploads", {{method: "POST", body: form, credentials: "include", mode: "no-cors"}})
  .then(() => {{ document.title = "sent"; }}, () => {{ document.title = "sent"; }});
</script></body></html>"""


@pytest.fixture
def attacker(live_server: LiveServer) -> Iterator[str]:
    """A page on another port of the same host, as in the issue's reproduction."""
    page = ATTACK.format(code=CLEAN, target=live_server.url).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_a_page_on_another_port_cannot_upload_as_the_clerk(
    live_server: LiveServer, browser: Any, attacker: str
) -> None:
    made = live_server.cli(
        "users", "create", "--name", "port_clerk", "--role", "staff", "--district", CLEAN, "--password", PASSWORD
    )
    assert made.returncode == 0, made.stderr
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/dashboard/login")
    page.fill("#username", "port_clerk")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#signed-in-user:has-text('port_clerk')", timeout=20000)
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    evil = context.new_page()
    evil.goto(attacker)
    evil.wait_for_function("document.title === 'sent'", timeout=10000)
    # The clerk's own view of the log: nothing was uploaded in their name.
    log = httpx.get(live_server.url + "/api/v1/uploads", cookies={SESSION_COOKIE: cookies[SESSION_COOKIE]})
    assert log.status_code == 200, log.text
    assert [i for i in log.json()["items"] if i["user"] == "port_clerk"] == []
    context.close()
