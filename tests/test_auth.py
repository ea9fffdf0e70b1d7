"""Authentication and district scope on the API: 401, 403, tokens, roles (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import Mount

from app.auth.models import ApiToken, AuthEvent
from app.auth.scope import Scope, code_prefix
from app.core.db import utcnow
from tests.conftest import HeadersFor, bearer, create_user

BODY = {"values": {"double_random.inspections": 17, "penalty.cases": 2, "penalty.fines_yuan": 125000}}
HEDONG_MONTH = "/api/v1/districts/120102/months/2026-09"


def is_problem(r: httpx.Response, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]


def test_no_token_is_401_with_challenge(client: TestClient) -> None:
    r = client.put(HEDONG_MONTH, json=BODY)
    is_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    is_problem(client.get("/api/v1/me"), 401)


def test_health_is_open(client: TestClient) -> None:
    assert client.get("/api/v1/health").status_code == 200


# What answers without credentials, on purpose; the README's "Accounts" lists the same. A route
# that is not here must ask for credentials, so a new open door fails the test below.
OPEN_ROUTES = {
    "/api/v1/health",
    "/api/v1/health/ready",
    # The API's documentation, and Swagger UI's own scripts and styles (served offline, for closed
    # government networks): the spec is no secret, the data behind it is.
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
    "/static-offline-docs/",
    # Signing in and out, and redirects that lead to the sign-in page or the dashboard.
    "/",
    "/login",
    "/logout",
    "/dashboard",
    "/dashboard/login",
    "/dashboard/logout",
    "/dashboard/_favicon.ico",
}
SAMPLE_PARAMS = {"code": "120102", "month": "2021-01", "token_id": "1", "id": "1", "edition_id": "1"}


def every_route(api: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, mounts included: the dashboard's Flask rules
    one by one, any other mount as a whole ("/mount/": a request there stands for all it serves)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before lazily included routers: app.routes is already flat
        iter_route_contexts = iter  # type: ignore[assignment]
    routes: set[tuple[str, str]] = set()
    for route in iter_route_contexts(api.routes):
        original = getattr(route, "original_route", route)
        if isinstance(original, Mount):
            if original.path == "/dashboard":
                for rule in api.state.dash.server.url_map.iter_rules():
                    routes |= {(m, "/dashboard" + rule.rule) for m in rule.methods or ()}
            else:
                routes.add(("GET", original.path + "/"))
            continue
        assert route.path is not None, route
        routes |= {(m, route.path) for m in route.methods or {"GET"}}
    # HEAD and OPTIONS come with GET (Starlette, Flask) and are guarded with it.
    return {(m, p) for m, p in routes if m not in {"HEAD", "OPTIONS"}}


def concrete(path: str) -> str:
    """A URL for a route pattern: FastAPI's {name} and Flask's <converter:name> filled in."""

    def fill(m: re.Match[str]) -> str:
        return SAMPLE_PARAMS.get(m.group(1) or m.group(2), "x")

    return re.sub(r"\{(\w+)(?::\w+)?\}|<(?:\w+:)?(\w+)>", fill, path)


def test_every_route_but_the_open_ones_needs_credentials(client: TestClient, api: FastAPI) -> None:
    routes = every_route(api)
    assert ("PUT", "/api/v1/districts/{code}/months/{month}") in routes  # the walk reaches included routers
    assert ("POST", "/dashboard/_dash-update-component") in routes  # … and into the dashboard's mount
    paths = {p for _m, p in routes}
    assert paths >= OPEN_ROUTES, f"open routes that no longer exist: {sorted(OPEN_ROUTES - paths)}"
    for method, path in sorted(routes):
        if path in OPEN_ROUTES:
            continue
        url = concrete(path)
        r = client.request(method, url, json={}, follow_redirects=False)
        if path.startswith("/dashboard/") and method == "GET" and r.status_code == 302:
            # A dashboard page load without a session goes to the sign-in page.
            assert r.headers["location"].startswith("/dashboard/login?next="), (method, path, r.headers["location"])
            continue
        assert r.status_code == 401, f"{method} {path} ({url}) answered {r.status_code} without credentials"
        assert r.headers["content-type"].startswith("application/problem+json"), (method, path)
        assert "www-authenticate" in r.headers, (method, path)


def test_bad_expired_and_revoked_tokens_are_401(client: TestClient, session: Session) -> None:
    user = create_user(session, districts=("120102",))
    is_problem(client.put(HEDONG_MONTH, json=BODY, headers={"Authorization": "Bearer nonsense"}), 401)
    good = bearer(session, user)
    forged = good["Authorization"][:-4] + "AAAA"
    is_problem(client.put(HEDONG_MONTH, json=BODY, headers={"Authorization": forged}), 401)
    expired = bearer(session, user, expires_at=utcnow() - dt.timedelta(minutes=1))
    is_problem(client.put(HEDONG_MONTH, json=BODY, headers=expired), 401)
    revoked = bearer(session, user)
    row = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())).first()
    assert row is not None
    row.revoked_at = utcnow()
    session.flush()
    is_problem(client.put(HEDONG_MONTH, json=BODY, headers=revoked), 401)
    assert client.put(HEDONG_MONTH, json=BODY, headers=good).status_code == 200


def test_staff_writes_only_inside_its_scope(client: TestClient, headers_for: HeadersFor) -> None:
    staff = headers_for("staff", "120102")
    assert client.put(HEDONG_MONTH, json=BODY, headers=staff).status_code == 200
    is_problem(client.put("/api/v1/districts/500112/months/2026-09", json=BODY, headers=staff), 403)
    is_problem(client.put("/api/v1/districts/120000/months/2026-09", json=BODY, headers=staff), 403)


def test_city_staff_writes_all_its_districts(client: TestClient, headers_for: HeadersFor) -> None:
    city = headers_for("staff", "120100")
    assert client.put("/api/v1/districts/120103/months/2026-09", json=BODY, headers=city).status_code == 200
    is_problem(client.put("/api/v1/districts/500112/months/2026-09", json=BODY, headers=city), 403)


def test_viewer_cannot_write_admin_can(
    client: TestClient, headers_for: HeadersFor, admin_headers: dict[str, str]
) -> None:
    viewer = headers_for("viewer", "120000")
    is_problem(client.put(HEDONG_MONTH, json=BODY, headers=viewer), 403)
    assert client.get(HEDONG_MONTH, headers=viewer).status_code == 200
    assert client.put(HEDONG_MONTH, json=BODY, headers=admin_headers).status_code == 200


def test_reading_outside_scope_is_403(client: TestClient, headers_for: HeadersFor) -> None:
    viewer = headers_for("viewer", "120000")
    is_problem(client.get("/api/v1/districts/500112/months/2020-06", headers=viewer), 403)


def test_bodies_are_strict(client: TestClient, headers_for: HeadersFor) -> None:
    staff = headers_for("staff", "120102")
    r = client.put(HEDONG_MONTH, json={**BODY, "district": "500112"}, headers=staff)
    is_problem(r, 422)
    r = client.put(HEDONG_MONTH, json={"values": {}, "author": "someone"}, headers=staff)
    is_problem(r, 422)


def test_admin_creates_users_and_tokens_through_the_api(
    client: TestClient, admin_headers: dict[str, str], headers_for: HeadersFor
) -> None:
    r = client.post(
        "/api/v1/users", json={"name": "hedong_staff", "role": "staff", "districts": ["120102"]}, headers=admin_headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["districts"] == ["120102"]
    r = client.post("/api/v1/tokens", json={"user": "hedong_staff", "name": "monthly script"}, headers=admin_headers)
    assert r.status_code == 201
    token = r.json()["token"]
    assert token.startswith("yjt_") and len(token) >= 50
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"name": "hedong_staff", "role": "staff", "districts": ["120102"]}
    # The token is listed without its secret; revoking it ends it.
    listed = client.get("/api/v1/tokens", headers=admin_headers).json()
    assert all("token" not in t for t in listed)
    token_id = r.json()["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=admin_headers).json()["revoked_at"]
    is_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)
    # Staff may not manage users.
    staff = headers_for("staff", "120102")
    is_problem(client.post("/api/v1/users", json={"name": "x_y", "role": "admin"}, headers=staff), 403)


def test_token_events_are_audited(session: Session) -> None:
    from app.auth.service import create_token, revoke_token

    user = create_user(session)
    row, _ = create_token(session, user=user)
    revoke_token(session, token_id=row.id)
    kinds = session.scalars(select(AuthEvent.kind).where(AuthEvent.user_id == user.id)).all()
    assert {"user_created", "token_created", "token_revoked"} <= set(kinds)


def test_tokens_are_stored_only_as_hashes(session: Session) -> None:
    from app.auth.service import create_token

    user = create_user(session)
    row, plaintext = create_token(session, user=user)
    assert plaintext not in (row.token_hash, row.prefix)
    assert row.token_hash != plaintext and len(row.token_hash) == 64


def test_last_use_is_recorded(client: TestClient, session: Session) -> None:
    user = create_user(session)
    headers = bearer(session, user)
    client.get("/api/v1/me", headers=headers)
    row = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    session.refresh(row)
    assert row.last_used_at is not None


def test_scope_prefixes_follow_the_code_hierarchy() -> None:
    assert code_prefix("120000") == "12" and code_prefix("120100") == "1201" and code_prefix("120102") == "120102"
    city = Scope.of(["120100"])
    assert city.covers("120102") and city.covers("120100") and not city.covers("120000")
    assert not city.covers("500112")
    assert Scope.country().covers("500112")
    assert Scope.of(["120102"]).overlaps("120000") and not Scope.of(["120102"]).covers("120000")


def test_a_repeated_token_prefix_is_drawn_again(
    client: TestClient, session: Session, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import secrets

    taken = session.scalars(select(ApiToken.prefix)).first()
    assert taken is not None
    # The random source repeats an existing lookup prefix once, then draws normally.
    repeats = [taken]
    real_token_hex = secrets.token_hex
    monkeypatch.setattr(secrets, "token_hex", lambda n=None: repeats.pop() if repeats else real_token_hex(n))
    create_user(session, name="hedong_staff_collide")
    r = client.post("/api/v1/tokens", json={"user": "hedong_staff_collide"}, headers=admin_headers)
    assert r.status_code == 201, r.text
    assert repeats == [], "the repeat was not drawn"
    token = r.json()["token"]
    lookup = token.split("_")[1]
    assert lookup != taken and len(lookup) == 8 and r.json()["prefix"] == lookup
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == (
        "hedong_staff_collide"
    )


def test_a_random_source_that_keeps_repeating_gives_up_cleanly(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import secrets

    from app.auth.service import create_token
    from app.core.errors import InternalError

    user = create_user(session)
    taken, _ = create_token(session, user=user)
    monkeypatch.setattr(secrets, "token_hex", lambda n=None: taken.prefix)
    with pytest.raises(InternalError):
        create_token(session, user=user)
