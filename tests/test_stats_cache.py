"""The cache of statistics results (app/stats/cache.py), on both databases and both back-ends
(in-process and Redis): a hit is exactly the uncached answer; scopes never share an entry; every
kind of write changes the data version; a Redis outage answers without the cache; the API routes
and /metrics.

Redis: TEST_REDIS_URL (default redis://127.0.0.1:6379/15); each test uses a key prefix of its own
and deletes its keys. REQUIRE_REDIS=1 (CI) makes a missing Redis a failure instead of a skip.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.auth.scope import Principal, Scope
from app.core.config import Settings
from app.core.db import Database
from app.core.deps import get_session
from app.core.errors import Forbidden
from app.districts.models import DistrictLevel
from app.reviews.models import ReviewAction
from app.reviews.service import transition
from app.stats import completeness, monthly, ranking, ratios, totals
from app.stats.cache import MemoryBackend, QueryCache, RedisBackend, cached, data_version, for_settings
from app.stats.context import StatsContext
from app.stats.schemas import CompletenessOut, MonthlyOut, RankingOut, RatiosOut, TotalsOut, YearlyOut
from app.submissions.models import SourceFormat
from app.values.shapes import MonthData
from app.values.write import write_months
from tests.conftest import SEED_TODAY, create_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
COUNTRY = Principal(None, "cache_country", Role.admin, Scope.country())
TIANJIN = Principal(None, "cache_tianjin", Role.viewer, Scope.of(["120000"]))
HEDONG = Principal(None, "cache_hedong", Role.viewer, Scope.of(["120102"]))
HEPING = Principal(None, "cache_heping", Role.viewer, Scope.of(["120101"]))
MONTH = dt.date(2025, 6, 1)


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but Redis at {REDIS_URL} is unreachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} unreachable: {exc}")


@pytest.fixture(params=["memory", "redis"])
def query_cache(request: pytest.FixtureRequest) -> Iterator[QueryCache]:
    if request.param == "memory":
        yield QueryCache(MemoryBackend(16 * 1024 * 1024, ttl=600))
        return
    redis_or_skip()
    backend = RedisBackend(REDIS_URL, prefix=f"yingji:test:{uuid.uuid4().hex}:", ttl=600)
    try:
        yield QueryCache(backend)
    finally:
        backend.clear()
        assert not list(backend.client.scan_iter(match=backend.prefix + "*"))


def lookups() -> dict[str, float]:
    from prometheus_client import REGISTRY

    out = {"hit": 0.0, "miss": 0.0}
    for family in text_string_to_metric_families(__import__("prometheus_client").generate_latest(REGISTRY).decode()):
        for s in family.samples:
            if s.name == "yingji_cache_requests_total" and s.labels.get("cache") == "stats_results":
                out[s.labels["result"]] += s.value
    return out


def ctx(session: Session, principal: Principal, **kw: Any) -> StatsContext:
    return StatsContext(session, principal, SEED_TODAY, **kw)


CALLS: dict[str, tuple[Any, dict[str, Any], Any]] = {
    "totals": (TotalsOut, {"district": "120000", "year": 2025}, totals.annual_totals),
    "totals_county": (TotalsOut, {"district": "120102", "year": 2024}, totals.annual_totals),
    "yearly": (YearlyOut, {"district": "120000", "year_from": 2019, "year_to": 2025}, totals.yearly_totals),
    "monthly": (
        MonthlyOut,
        {"district": "120000", "year": 2025, "indicator": "inspection.enterprises", "compare_previous": True},
        monthly.monthly_series,
    ),
    "by_district": (
        RankingOut,
        {"year": 2025, "indicator": "penalty.fines_yuan", "parent": "120000", "level": DistrictLevel.county},
        ranking.district_ranking,
    ),
    "rankings": (
        dict[str, RankingOut],
        {"year": 2024, "indicators": ["drill.drills", "accident.deaths"], "parent": None, "level": None},
        ranking.district_rankings,
    ),
    "completeness": (CompletenessOut, {"year": 2025, "parent": "120000"}, completeness.completeness),
    "ratios": (RatiosOut, {"district": "120000", "year": 2025}, ratios.derived_ratios),
}


# What each call reads: its area and years (the version is of those).
READS: dict[str, tuple[str | None, tuple[int, int]]] = {
    "totals": ("120000", (2024, 2025)),
    "totals_county": ("120102", (2023, 2024)),
    "yearly": ("120000", (2019, 2025)),
    "monthly": ("120000", (2024, 2025)),
    "by_district": ("120000", (2024, 2025)),
    "rankings": (None, (2023, 2024)),
    "completeness": ("120000", (2025, 2025)),
    "ratios": ("120000", (2024, 2025)),
}
TJ: dict[str, Any] = {"area": "120000", "years": (2024, 2025)}
HD: dict[str, Any] = {"area": "120102", "years": (2024, 2025)}


@pytest.mark.parametrize("name", list(CALLS))
def test_a_hit_is_exactly_the_uncached_answer(session: Session, query_cache: QueryCache, name: str) -> None:
    kind, params, call = CALLS[name]
    expected = call(ctx(session, COUNTRY), **params)
    before = lookups()
    area, years = READS[name]
    first = query_cache.get_or_compute(
        ctx(session, COUNTRY), name, kind, params, lambda: call(ctx(session, COUNTRY), **params), area=area, years=years
    )

    def not_called() -> Any:
        raise AssertionError("a hit must not compute")

    second = query_cache.get_or_compute(ctx(session, COUNTRY), name, kind, params, not_called, area=area, years=years)
    after = lookups()
    assert (after["miss"] - before["miss"], after["hit"] - before["hit"]) == (1, 1)
    assert first == expected and second == expected
    # Same types, same numbers, same "not reported" (None) — field by field, not only ==.
    dump = (
        (lambda v: {k: r.model_dump() for k, r in v.items()})
        if isinstance(expected, dict)
        else (lambda v: v.model_dump())
    )
    assert dump(second) == dump(expected)
    assert repr(second) == repr(expected)


def test_scopes_never_share_an_entry(session: Session, query_cache: QueryCache) -> None:
    params: dict[str, Any] = {
        "year": 2025,
        "indicator": "inspection.enterprises",
        "parent": "120000",
        "level": DistrictLevel.county,
    }

    def ranked(principal: Principal) -> RankingOut:
        c = ctx(session, principal)
        return query_cache.get_or_compute(
            c, "by_district", RankingOut, params, lambda: ranking.district_ranking(c, **params), **TJ
        )

    whole = ranked(TIANJIN)
    hedong = ranked(HEDONG)
    heping = ranked(HEPING)
    assert len(whole.rows) == 16
    assert [r.code for r in hedong.rows] == ["120102"] and hedong.scope_limited
    assert [r.code for r in heping.rows] == ["120101"] and heping.scope_limited
    # Asked again, each scope gets its own answer back.
    assert ranked(HEDONG) == hedong and ranked(TIANJIN) == whole
    # An answer cached for one scope never lets another past the scope check.
    totals_params: dict[str, Any] = {"district": "120102", "year": 2025}
    c = ctx(session, HEDONG)
    query_cache.get_or_compute(
        c, "totals", TotalsOut, totals_params, lambda: totals.annual_totals(c, **totals_params), **HD
    )
    other = ctx(session, HEPING)
    with pytest.raises(Forbidden):
        query_cache.get_or_compute(
            other, "totals", TotalsOut, totals_params, lambda: totals.annual_totals(other, **totals_params), **HD
        )
    # approved_only and "today" are part of the question too.
    approved = ctx(session, HEDONG, approved_only=True)
    got = query_cache.get_or_compute(
        approved, "totals", TotalsOut, totals_params, lambda: totals.annual_totals(approved, **totals_params), **HD
    )
    assert got == totals.annual_totals(ctx(session, HEDONG, approved_only=True), **totals_params)
    assert query_cache.key(c, "v", "totals", "s", totals_params) != query_cache.key(
        approved, "v", "totals", "s", totals_params
    )
    later = StatsContext(session, HEDONG, SEED_TODAY + dt.timedelta(days=40))
    assert query_cache.key(c, "v", "totals", "s", totals_params) != query_cache.key(
        later, "v", "totals", "s", totals_params
    )


def _write(session: Session, code: str, values: dict[str, float], month: dt.date = MONTH) -> None:
    clerk = create_user(session, role="staff", districts=(code,))
    principal = Principal(clerk.id, clerk.name, Role.staff, Scope.of([code]))
    outcome = write_months(
        session,
        principal=principal,
        months=[MonthData(district_code=code, month=month, values=values)],
        source_format=SourceFormat.json,
        today=SEED_TODAY,
    )
    assert not outcome.errors, outcome.errors
    session.flush()


def test_a_write_changes_the_answer(session: Session, query_cache: QueryCache) -> None:
    params: dict[str, Any] = {"district": "120000", "year": 2025}

    def read() -> TotalsOut:
        c = ctx(session, TIANJIN)
        return query_cache.get_or_compute(
            c, "totals", TotalsOut, params, lambda: totals.annual_totals(c, **params), **TJ
        )

    before = read()
    assert read() == before  # cached
    old = {i.code: i.total for i in before.indicators}["drill.drills"] or 0
    _write(session, "120102", {"drill.drills": 4321})
    after = read()
    assert after == totals.annual_totals(ctx(session, TIANJIN), **params)
    assert {i.code: i.total for i in after.indicators}["drill.drills"] != old


def test_every_kind_of_change_moves_the_data_version(session: Session) -> None:
    def versions() -> tuple[str, str, str, str]:
        return (
            data_version(session, "120102", (2024, 2025)),  # Hedong, this year and last
            data_version(session, "120000", (2024, 2025)),  # Tianjin
            data_version(session, "120101", (2024, 2025)),  # Heping, beside Hedong
            data_version(session, "120102", (2019, 2020)),  # Hedong, years the writes leave alone
        )

    seen = [versions()]
    assert versions() == seen[0]  # reading changes nothing
    _write(session, "120102", {"drill.drills": 7})  # a figure (submission, history, month report)
    seen.append(versions())
    _write(session, "120102", {"drill.drills": 7})  # the same figure again: nothing changed, but logged
    seen.append(versions())
    _write(session, "120102", {"drill.drills": 3}, month=dt.date(2024, 3, 1))  # last year's month
    seen.append(versions())
    reviewer = create_user(session, role="reviewer", districts=("120000",))
    who = Principal(reviewer.id, reviewer.name, Role.reviewer, Scope.of(["120000"]))
    transition(session, principal=who, code="120102", month=MONTH, action=ReviewAction.approve)  # approved / locked
    session.flush()
    seen.append(versions())
    transition(session, principal=who, code="120102", month=MONTH, action=ReviewAction.unlock, reason="更正 correction")
    session.flush()
    seen.append(versions())
    hedong, tianjin = [v[0] for v in seen], [v[1] for v in seen]
    assert len(set(hedong)) == len(hedong) and len(set(tianjin)) == len(tianjin), seen
    # A write of Hedong's figures leaves Heping's and other years' versions (and cached answers) as
    # they were; reviews may change any statistic (approved_only), so they move every version.
    heping, old_years = [v[2] for v in seen], [v[3] for v in seen]
    assert heping[0] == heping[1] == heping[2] == heping[3] != heping[4] != heping[5], heping
    assert old_years[0] == old_years[1] == old_years[2] == old_years[3], old_years


def test_a_write_elsewhere_keeps_an_answer_cached(session: Session, query_cache: QueryCache) -> None:
    params: dict[str, Any] = {"district": "120101", "year": 2025}
    c = ctx(session, HEPING)
    heping: dict[str, Any] = {"area": "120101", "years": (2024, 2025)}
    first = query_cache.get_or_compute(
        c, "totals", TotalsOut, params, lambda: totals.annual_totals(c, **params), **heping
    )
    _write(session, "120102", {"drill.drills": 11})

    def not_called() -> TotalsOut:
        raise AssertionError("Hedong's write must not invalidate Heping's answer")

    assert query_cache.get_or_compute(c, "totals", TotalsOut, params, not_called, **heping) == first
    assert first == totals.annual_totals(ctx(session, HEPING), **params)


def test_the_in_process_backend_is_bounded(session: Session) -> None:
    backend = MemoryBackend(10_000, ttl=600)
    for n in range(100):
        backend.set(f"k{n}", b"x" * 1000)
        assert backend.size_bytes <= 10_000
    assert backend.get("k0") is None and backend.get("k99") == b"x" * 1000
    backend.set("big", b"x" * 2000)  # over an eighth of the budget: not kept
    assert backend.get("big") is None
    # Least recently used goes first: a read keeps an entry.
    backend.get("k91")
    for n in range(100, 105):
        backend.set(f"k{n}", b"x" * 1000)
    assert backend.get("k91") is not None and backend.get("k92") is None
    short = MemoryBackend(10_000, ttl=0.05)
    short.set("a", b"1")
    time.sleep(0.1)
    assert short.get("a") is None and len(short) == 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_redis_outage_answers_without_the_cache(session: Session) -> None:
    from prometheus_client import REGISTRY

    def errors() -> float:
        return (
            REGISTRY.get_sample_value("yingji_cache_errors_total", {"cache": "stats_results", "backend": "redis"})
            or 0.0
        )

    dead = QueryCache(RedisBackend(f"redis://127.0.0.1:{_closed_port()}/0", prefix="x:", ttl=60))
    params: dict[str, Any] = {"district": "120000", "year": 2025}
    expected = totals.annual_totals(ctx(session, TIANJIN), **params)
    before = errors()
    c = ctx(session, TIANJIN)
    assert (
        dead.get_or_compute(c, "totals", TotalsOut, params, lambda: totals.annual_totals(c, **params), **TJ) == expected
    )
    assert errors() > before
    # Left alone for a while: the next reads do not wait for another time-out.
    started = time.perf_counter()
    for _ in range(20):
        assert (
            dead.get_or_compute(c, "totals", TotalsOut, params, lambda: totals.annual_totals(c, **params), **TJ)
            == expected
        )
    assert dead.backend.get("anything") is None
    assert time.perf_counter() - started < 20 * 0.25


def test_redis_entries_are_shared_between_caches_of_one_database(session: Session) -> None:
    """Two processes' caches on one Redis (here two clients): what one stored, the other reads."""
    redis_or_skip()
    prefix = f"yingji:test:{uuid.uuid4().hex}:"
    one, two = (QueryCache(RedisBackend(REDIS_URL, prefix=prefix, ttl=60)) for _ in range(2))
    params: dict[str, Any] = {"district": "120000", "year": 2025}
    c = ctx(session, TIANJIN)
    try:
        first = one.get_or_compute(c, "totals", TotalsOut, params, lambda: totals.annual_totals(c, **params), **TJ)

        def not_called() -> TotalsOut:
            raise AssertionError("the other cache's entry must be read")

        assert two.get_or_compute(c, "totals", TotalsOut, params, not_called, **TJ) == first
    finally:
        assert isinstance(one.backend, RedisBackend)
        one.backend.clear()


def test_settings_choose_the_backend(tmp_path: Any) -> None:
    base = {"database_url": f"sqlite:///{tmp_path}/x.db", "data_dir": tmp_path, "secret_key": "k" * 40}
    assert for_settings(Settings(**base, environment="test")) is None  # off in tests unless asked for
    memory = for_settings(Settings(**base, environment="test", query_cache=True))
    assert memory is not None and isinstance(memory.backend, MemoryBackend)
    assert for_settings(Settings(**base, environment="local", query_cache_mb=0)) is None
    shared = for_settings(Settings(**base, environment="local", redis_url=REDIS_URL))
    assert shared is not None and isinstance(shared.backend, RedisBackend)
    # Keys of one database only, and the password never in them.
    other = Settings(
        **{**base, "database_url": "postgresql+psycopg://u:secret@h/db"}, environment="local", redis_url=REDIS_URL
    )
    found = for_settings(other)
    assert found is not None and isinstance(found.backend, RedisBackend)
    assert found.backend.prefix != shared.backend.prefix and "secret" not in found.backend.prefix
    assert cached(None, None, "x", int, {}, lambda: 5, area=None, years=None) == 5  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the API routes


@pytest.fixture(scope="module")
def _cached_apps() -> dict[str, FastAPI]:
    return {}


@pytest.fixture
def cached_client(
    database: Database, session: Session, _cached_apps: dict[str, FastAPI]
) -> Iterator[tuple[TestClient, FastAPI]]:
    """The app with the in-process cache switched on, on the test's rolled-back session."""
    from app.main import create_app

    if database.url not in _cached_apps:
        settings = Settings(
            database_url=database.url, environment="test", query_cache=True, redis_prefix=uuid.uuid4().hex
        )
        _cached_apps[database.url] = create_app(settings, database)
    app = _cached_apps[database.url]

    def _session() -> Iterator[Session]:
        yield session
        session.flush()

    @contextmanager
    def _dash_session() -> Iterator[Session]:
        yield session
        session.flush()

    app.dependency_overrides[get_session] = _session
    app.state.dash.server.config["SESSION_SCOPE"] = _dash_session
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as client:
        yield client, app
    app.dependency_overrides.clear()
    app.state.dash.server.config.pop("SESSION_SCOPE", None)


def _metric(text: str, result: str, cache: str = "stats_results") -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "yingji_cache_requests_total" and s.labels == {"cache": cache, "result": result}:
                return s.value
    return 0.0


def test_the_api_answers_from_the_cache_and_counts_it(
    cached_client: tuple[TestClient, FastAPI], session: Session
) -> None:
    client, _app = cached_client
    viewer = create_user(session, role="viewer", districts=("120000",))
    from tests.conftest import bearer

    auth = bearer(session, viewer)
    clerk = bearer(session, create_user(session, role="staff", districts=("120102",)))
    url = "/api/v1/stats/totals?district=120000&year=2025"
    before = client.get("/metrics").text
    first = client.get(url, headers=auth)
    second = client.get(url, headers=auth)
    after = client.get("/metrics").text
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert _metric(after, "hit") - _metric(before, "hit") >= 1
    assert _metric(after, "miss") - _metric(before, "miss") >= 1
    # A write through the API: the next read is the new figure, as an uncached call gives it.
    r = client.patch(
        f"/api/v1/districts/120102/months/{MONTH:%Y-%m}", json={"values": {"drill.drills": 9876}}, headers=clerk
    )
    assert r.status_code == 200, r.text
    third = client.get(url, headers=auth).json()
    uncached = totals.annual_totals(ctx(session, TIANJIN), district="120000", year=2025).model_dump(mode="json")
    assert third == uncached != first.json()
    # Outside the caller's scope is still 403, cache or not.
    hedong = bearer(session, create_user(session, role="viewer", districts=("120102",)))
    assert client.get(url, headers=hedong).status_code == 403


def test_the_first_dashboard_page_after_a_start_is_warm(
    cached_client: tuple[TestClient, FastAPI], session: Session
) -> None:
    from dashboard.warm import reader_scopes, warm_pages
    from tests.dashboard_helpers import content_callback, csrf_header

    client, app = cached_client
    password = "warm-leader-pass-1"
    leader = create_user(session, role="viewer", districts=("120000",), password=password)
    server = app.state.dash.server
    scopes = reader_scopes(server)
    assert scopes[0] == Scope.country() and Scope.of(["120000"]) in scopes
    assert warm_pages(server, scopes=[Scope.of(["120000"])]) == 2
    r = client.post("/dashboard/login", data={"username": leader.name, "password": password}, follow_redirects=False)
    assert r.status_code == 303, r.text
    for path in ("/dashboard/", "/dashboard/districts"):
        before = client.get("/metrics").text
        page = client.post(
            "/dashboard/_dash-update-component", json=content_callback(path), headers=csrf_header(client)
        )
        after = client.get("/metrics").text
        assert page.status_code == 200, page.text
        assert "天津" in page.text
        assert ("page-overview" if path == "/dashboard/" else "page-districts") in page.text, path
        # The leader's first visit: the page the warm-up drew (same scope), nothing computed again.
        assert _metric(after, "miss") - _metric(before, "miss") == 0, path
        assert _metric(after, "hit", "dashboard_pages") - _metric(before, "hit", "dashboard_pages") == 1, path


def test_a_dashboard_page_is_kept_until_something_it_read_changes(
    cached_client: tuple[TestClient, FastAPI], session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Overview and Districts are kept whole per scope and question (dashboard/page_cache.py) and
    served again only while every figure they read is unchanged; a write where they looked is seen
    by the next reader, exactly as a page drawn afresh shows it."""
    from dashboard import data
    from tests.dashboard_helpers import content_callback, csrf_header

    client, app = cached_client
    kept = app.state.dash.server.config["QUERY_CACHE"]
    kept.backend.clear()
    drawn_at = dt.datetime(2026, 11, 22, 9, 30)
    monkeypatch.setattr(data, "now", lambda: drawn_at)  # the as-of line, otherwise the time of drawing
    from tests.conftest import bearer

    users = {}
    for name, districts in (("kept_leader", "120000"), ("kept_clerk_tj", "120000"), ("kept_cq", "500000")):
        role = "viewer" if name != "kept_clerk_tj" else "staff"
        users[name] = create_user(session, role=role, districts=(districts,), password=f"{name}-pass-1")
    tianjin_clerk = bearer(session, create_user(session, role="staff", districts=("120102",)))
    chongqing_clerk = bearer(session, create_user(session, role="staff", districts=("500101",)))

    def sign_in(name: str) -> None:
        client.cookies.clear()
        r = client.post(
            "/dashboard/login",
            data={"username": users[name].name, "password": f"{name}-pass-1"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text

    def page(path: str, search: str) -> tuple[str, float, float]:
        before = client.get("/metrics").text
        r = client.post(
            "/dashboard/_dash-update-component", json=content_callback(path, search), headers=csrf_header(client)
        )
        after = client.get("/metrics").text
        assert r.status_code == 200, r.text
        hits = _metric(after, "hit", "dashboard_pages") - _metric(before, "hit", "dashboard_pages")
        misses = _metric(after, "miss", "dashboard_pages") - _metric(before, "miss", "dashboard_pages")
        return r.text, hits, misses

    def patch(auth: dict[str, str], code: str, value: int) -> None:
        r = client.patch(
            f"/api/v1/districts/{code}/months/{MONTH:%Y-%m}", json={"values": {"drill.drills": value}}, headers=auth
        )
        assert r.status_code == 200, r.text

    for path in ("/dashboard/", "/dashboard/districts"):
        search = "?district=120000&year=2025"
        sign_in("kept_leader")
        first, hits, misses = page(path, search)
        assert (hits, misses) == (0, 1), path
        again, hits, misses = page(path, search)
        assert (hits, misses) == (1, 0) and again == first, path
        # Another reader of the same scope (another role) gets the same page; English is its own.
        sign_in("kept_clerk_tj")
        assert page(path, search) == (first, 1, 0), path
        assert page(path, search + "&lang=en")[1:] == (0, 1), path
        # Another scope never gets Tianjin's page: asked for Tianjin, the notice that it is outside;
        # its own city, a page of its own.
        sign_in("kept_cq")
        refused, hits, misses = page(path, search)
        assert (hits, misses) == (0, 0) and refused != first and "page-error" in refused, path
        assert page(path, "?district=500000&year=2025")[1:] == (0, 1), path
        # A write in another area leaves the page kept; one in Tianjin's year is seen at once.
        sign_in("kept_leader")
        patch(chongqing_clerk, "500101", 4321 + len(path))
        assert page(path, search) == (first, 1, 0), path
        patch(tianjin_clerk, "120102", 9876 + len(path))
        after_write, hits, misses = page(path, search)
        assert (hits, misses) == (0, 1) and after_write != first, path
        kept.backend.clear()
        fresh, _hits, _misses = page(path, search)
        assert fresh == after_write, path
