"""Several processes, one truth: two API processes (one with two workers) and a dashboard process on
one PostgreSQL, sharing one Redis for the cache of statistics results. A write through one is seen by
the next read through every other (figures, statistics and dashboard pages alike); a sign-in made at
one is valid at the others and ends everywhere when it ends at one; sign-in throttling counts across
processes; /metrics of a multi-worker process adds up its workers.

These are the real commands a deployment runs (`python -m app serve`, `python -m dashboard.app`),
each in its own process on its own port.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import SEED_TODAY, FreshDatabases
from tests.dashboard_helpers import content_callback
from tests.test_serve import free_port
from tests.test_stats_cache import REDIS_URL, redis_or_skip

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2025-06"
CLERK = ("clerk_mp", "clerk-pass-2026")
LEADER = ("leader_mp", "leader-pass-2026")

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@dataclass
class Process:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log: IO[bytes]
    log_path: Path


@dataclass
class Cluster:
    api_a: Process  # two workers
    api_b: Process
    dashboard: Process
    clerk_token: str
    env: dict[str, str]
    redis_prefix: str


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _start(name: str, args: list[str], env: dict[str, str], port: int, tmp: Path) -> Process:
    log_path = tmp / f"{name}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return Process(name, f"http://127.0.0.1:{port}", proc, log, log_path)


# Each process imports the app, Dash and pandas and warms its renderers: on a shared 2-core machine at
# load 15-20 that took over 120 s (measured while several test runs shared it).
START_SECONDS = 300


def _wait(p: Process, path: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if p.proc.poll() is not None:
            pytest.fail(f"{p.name} exited:\n{p.log_path.read_text(errors='replace')}")
        try:
            if httpx.get(p.url + path, timeout=3, follow_redirects=False).status_code in (200, 302):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{p.name} did not answer within {START_SECONDS} s:\n{p.log_path.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("processes")
    redis_or_skip()
    import redis

    # This run's keys only (a Redis database for tests, a prefix of its own), deleted afterwards.
    redis_prefix = f"yingji:test-processes:{uuid.uuid4().hex}:"
    databases = FreshDatabases(tmp)
    url = databases.url("postgresql")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": str(tmp / "data"),
        "ENVIRONMENT": "local",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": "",
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": redis_prefix,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR")
    _cli(env, "seed", "--today", SEED_TODAY.isoformat())
    _cli(env, "users", "create", "--name", CLERK[0], "--role", "staff", "--district", "120102", "--password", CLERK[1])
    _cli(
        env, "users", "create", "--name", LEADER[0], "--role", "viewer", "--district", "120000", "--password", LEADER[1]
    )
    token = _cli(env, "tokens", "create", "--user", CLERK[0]).strip().splitlines()[-1]
    port_a, port_b, port_d = free_port(), free_port(), free_port()
    started = [
        _start("api-a", ["-m", "app", "serve", "--no-seed", "--port", str(port_a), "--workers", "2"], env, port_a, tmp),
        _start("api-b", ["-m", "app", "serve", "--no-seed", "--port", str(port_b)], env, port_b, tmp),
        _start("dashboard", ["-m", "dashboard.app"], {**env, "DASHBOARD_PORT": str(port_d)}, port_d, tmp),
    ]
    try:
        _wait(started[0], "/api/v1/health/ready")
        _wait(started[1], "/api/v1/health/ready")
        _wait(started[2], "/dashboard/login")
        yield Cluster(started[0], started[1], started[2], clerk_token=token, env=env, redis_prefix=redis_prefix)
    finally:
        for p in started:
            p.proc.terminate()
        for p in started:
            try:
                p.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.proc.kill()
            p.log.close()
        databases.cleanup()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=redis_prefix + "*", count=1000))
        if keys:
            client.delete(*keys)


def _month(base: str, token: str) -> httpx.Response:
    return httpx.get(
        f"{base}/api/v1/districts/120102/months/{MONTH}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


@contextmanager
def _signed_in(base: str, user: tuple[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60) as client:
        r = client.post("/dashboard/login", data={"username": user[0], "password": user[1]})
        assert r.status_code == 303, r.text
        yield client


def _dashboard_data(client: httpx.Client) -> str:
    body = content_callback("/dashboard/data", f"?district=120102&year={MONTH[:4]}")
    r = client.post(
        "/dashboard/_dash-update-component",
        json=body,
        headers={"X-CSRFToken": client.cookies.get("_csrf_token") or ""},
    )
    assert r.status_code == 200, r.text
    return r.text


def test_a_write_through_one_process_is_read_through_every_other(cluster: Cluster) -> None:
    auth = {"Authorization": f"Bearer {cluster.clerk_token}"}
    for round_, value in enumerate((765_431, 765_432)):
        writer = (cluster.api_a, cluster.api_b)[round_ % 2]
        r = httpx.patch(
            f"{writer.url}/api/v1/districts/120102/months/{MONTH}",
            json={"values": {"double_random.inspections": value}},
            headers=auth,
            timeout=30,
        )
        assert r.status_code == 200, r.text
        # The very next read, through each API process (and each worker of the first: several reads)
        for reader in (cluster.api_a, cluster.api_b):
            for _ in range(4):
                got = _month(reader.url, cluster.clerk_token)
                assert got.status_code == 200
                assert got.json()["values"]["double_random.inspections"] == value, reader.name
        # and through the dashboard process, whose data grid reads the same database.
        with _signed_in(cluster.dashboard.url, CLERK) as dash:
            assert str(value) in _dashboard_data(dash)
    # The version (ETag) one process gives is honoured by the other: a stale If-Match is refused.
    first = _month(cluster.api_a.url, cluster.clerk_token)
    etag = first.headers["etag"]
    ok = httpx.patch(
        f"{cluster.api_b.url}/api/v1/districts/120102/months/{MONTH}",
        json={"values": {"drill.drills": 3}},
        headers={**auth, "If-Match": etag},
        timeout=30,
    )
    assert ok.status_code == 200, ok.text
    stale = httpx.patch(
        f"{cluster.api_a.url}/api/v1/districts/120102/months/{MONTH}",
        json={"values": {"drill.drills": 4}},
        headers={**auth, "If-Match": etag},
        timeout=30,
    )
    assert stale.status_code == 412, stale.text


def test_a_sign_in_holds_across_processes_and_ends_everywhere(cluster: Cluster) -> None:
    with _signed_in(cluster.api_a.url, LEADER) as at_a:
        cookies = dict(at_a.cookies)
    for p in (cluster.api_a, cluster.api_b, cluster.dashboard):
        with httpx.Client(base_url=p.url, cookies=cookies, timeout=30) as c:
            assert c.get("/dashboard/", follow_redirects=False).status_code == 200, p.name
            if p is not cluster.dashboard:
                me = c.get("/api/v1/me")
                assert me.status_code == 200 and me.json()["name"] == LEADER[0], p.name
    # Signing out at the dashboard process ends the session at both API processes too.
    with httpx.Client(base_url=cluster.dashboard.url, cookies=cookies, timeout=30) as c:
        out = c.post("/dashboard/logout", headers={"Origin": cluster.dashboard.url}, follow_redirects=False)
        assert out.status_code in (302, 303), out.text
    for p in (cluster.api_a, cluster.api_b):
        with httpx.Client(base_url=p.url, cookies=cookies, timeout=30) as c:
            assert c.get("/api/v1/me").status_code == 401, p.name
            assert c.get("/dashboard/", follow_redirects=False).status_code == 302, p.name


def test_sign_in_throttling_counts_across_processes(cluster: Cluster) -> None:
    name = "nobody_mp"
    answers = []
    # Wrong passwords spread over the three processes: the sixth attempt is locked wherever it lands.
    for i in range(6):
        p = (cluster.api_a, cluster.api_b, cluster.dashboard)[i % 3]
        r = httpx.post(
            f"{p.url}/dashboard/login", data={"username": name, "password": "wrong"}, timeout=30, follow_redirects=False
        )
        answers.append(r.status_code)
    assert answers == [401] * 5 + [429], answers


def test_metrics_of_a_multi_worker_process_add_up_its_workers(cluster: Cluster) -> None:
    def count(text: str) -> float:
        total = 0.0
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == "yingji_http_requests_total" and s.labels.get("route") == "/api/v1/health":
                    total += s.value
        return total

    before = count(httpx.get(cluster.api_a.url + "/metrics", timeout=30).text)
    # New connections each time: uvicorn's workers share the socket, so these spread over both.
    for _ in range(20):
        assert httpx.get(cluster.api_a.url + "/api/v1/health", timeout=30).status_code == 200
    texts = [httpx.get(cluster.api_a.url + "/metrics", timeout=30).text for _ in range(4)]
    # Whichever worker answers the scrape, it reports all twenty.
    assert all(count(t) - before == 20 for t in texts), [count(t) - before for t in texts]


def _cache_hits(url: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(httpx.get(url + "/metrics", timeout=30).text):
        for s in family.samples:
            if s.name == "yingji_cache_requests_total" and s.labels == {"cache": "stats_results", "result": "hit"}:
                total += s.value
    return total


def _overview(client: httpx.Client) -> str:
    search = f"?district=120102&year={MONTH[:4]}&indicator=double_random.inspections"
    r = client.post(
        "/dashboard/_dash-update-component",
        json=content_callback("/dashboard/", search),
        headers={"X-CSRFToken": client.cookies.get("_csrf_token") or ""},
    )
    assert r.status_code == 200, r.text
    return r.text


def test_cached_statistics_follow_every_write_in_every_process(cluster: Cluster) -> None:
    """Statistics and dashboard pages are answered from the Redis cache all processes share, and a
    write through any process is in the very next answer of every other."""
    import redis

    auth = {"Authorization": f"Bearer {cluster.clerk_token}"}
    params = {"district": "120102", "year": MONTH[:4], "indicator": "double_random.inspections"}
    june = int(MONTH[5:]) - 1

    def monthly(p: Process) -> float | None:
        r = httpx.get(f"{p.url}/api/v1/stats/monthly", params=params, headers=auth, timeout=30)
        assert r.status_code == 200, r.text
        value: float | None = r.json()["months"][june]["value"]
        return value

    hits_before = _cache_hits(cluster.api_b.url)
    for round_, value in enumerate((812_345, 812_346, 812_347)):
        # Read first, so that every process holds (or finds in Redis) the answer before the write.
        for reader in (cluster.api_a, cluster.api_b):
            for _ in range(3):
                monthly(reader)
        with _signed_in(cluster.dashboard.url, CLERK) as dash:
            _overview(dash)
        writer = (cluster.api_a, cluster.api_b, cluster.api_a)[round_]
        r = httpx.patch(
            f"{writer.url}/api/v1/districts/120102/months/{MONTH}",
            json={"values": {"double_random.inspections": value}},
            headers=auth,
            timeout=30,
        )
        assert r.status_code == 200, r.text
        for reader in (cluster.api_a, cluster.api_b):
            for _ in range(4):  # each worker of the first process
                assert monthly(reader) == value, reader.name
        with _signed_in(cluster.dashboard.url, CLERK) as dash:
            assert str(value) in _overview(dash)
    # The answers came from the cache, and the cache is the shared Redis.
    assert _cache_hits(cluster.api_b.url) > hits_before
    keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(match=cluster.redis_prefix + "*", count=1000))
    assert keys, "nothing was cached in Redis"
