"""Authentication and district scope on the API: 401, 403, tokens, roles (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ApiToken, AuthEvent
from app.auth.scope import Scope, code_prefix
from app.core.db import utcnow
from tests.conftest import bearer, create_user

BODY = {"values": {"double_random.inspections": 17, "penalty.cases": 2, "penalty.fines_yuan": 125000}}
HEDONG_MONTH = "/api/v1/districts/120102/months/2026-09"


def is_problem(r, status: int) -> None:  # type: ignore[no-untyped-def]
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


def test_every_api_route_but_health_needs_credentials(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        if path == "/api/v1/health":
            continue
        for method in ops:
            url = path.replace("{code}", "120102").replace("{month}", "2021-01").replace("{token_id}", "1")
            r = client.request(method.upper(), url, json={})
            assert r.status_code == 401, f"{method.upper()} {path} answered {r.status_code}"


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


def test_staff_writes_only_inside_its_scope(client: TestClient, headers_for) -> None:  # type: ignore[no-untyped-def]
    staff = headers_for("staff", "120102")
    assert client.put(HEDONG_MONTH, json=BODY, headers=staff).status_code == 200
    is_problem(client.put("/api/v1/districts/500112/months/2026-09", json=BODY, headers=staff), 403)
    is_problem(client.put("/api/v1/districts/120000/months/2026-09", json=BODY, headers=staff), 403)


def test_city_staff_writes_all_its_districts(client: TestClient, headers_for) -> None:  # type: ignore[no-untyped-def]
    city = headers_for("staff", "120100")
    assert client.put("/api/v1/districts/120103/months/2026-09", json=BODY, headers=city).status_code == 200
    is_problem(client.put("/api/v1/districts/500112/months/2026-09", json=BODY, headers=city), 403)


def test_viewer_cannot_write_admin_can(client: TestClient, headers_for, admin_headers) -> None:  # type: ignore[no-untyped-def]
    viewer = headers_for("viewer", "120000")
    is_problem(client.put(HEDONG_MONTH, json=BODY, headers=viewer), 403)
    assert client.get(HEDONG_MONTH, headers=viewer).status_code == 200
    assert client.put(HEDONG_MONTH, json=BODY, headers=admin_headers).status_code == 200


def test_reading_outside_scope_is_403(client: TestClient, headers_for) -> None:  # type: ignore[no-untyped-def]
    viewer = headers_for("viewer", "120000")
    is_problem(client.get("/api/v1/districts/500112/months/2020-06", headers=viewer), 403)


def test_bodies_are_strict(client: TestClient, headers_for) -> None:  # type: ignore[no-untyped-def]
    staff = headers_for("staff", "120102")
    r = client.put(HEDONG_MONTH, json={**BODY, "district": "500112"}, headers=staff)
    is_problem(r, 422)
    r = client.put(HEDONG_MONTH, json={"values": {}, "author": "someone"}, headers=staff)
    is_problem(r, 422)


def test_admin_creates_users_and_tokens_through_the_api(client: TestClient, admin_headers, headers_for) -> None:  # type: ignore[no-untyped-def]
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
