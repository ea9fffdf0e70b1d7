"""A bounded mixed load against the real server: many clients reading statistics and dashboard pages
and writing months and uploads at once, as a district reporting deadline looks.

    python benchmarks/load_benchmark.py                       # SQLite (1 process) and PostgreSQL (4 workers)
    python benchmarks/load_benchmark.py --clients 50 --seconds 60 --only postgresql
    python benchmarks/load_benchmark.py --redis-url redis://127.0.0.1:6379/14   # PostgreSQL's run shares Redis

Bounded on purpose (a shared machine, and never a tool to point at someone else's server): at most
200 clients, 600 seconds and 200,000 requests; the server is started by this script on 127.0.0.1 on a
database made for the run (demo seed), which is dropped afterwards. Reports requests/s, p50/p95/p99
by kind, answers by status, and the server's memory (every process of it); writes the figures to
BENCHMARKS.md ("## Load").
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _common import ROOT, bench_admin, free_port, percentile, prepare_boundaries, write_section
from sqlalchemy import create_engine, text

from app.core.db import Database

MAX_CLIENTS, MAX_SECONDS, MAX_REQUESTS = 200, 600, 200_000
SEED_TODAY = "2026-11-22"
TIANJIN = [f"1201{n:02d}" for n in (1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)]
YEARS = list(range(2019, 2026))
INDICATORS = ["double_random.inspections", "inspection.enterprises", "penalty.cases", "drill.drills"]
VIEWER = ("load_viewer", "load-viewer-pass-1")
# The mix: 80 % reads (statistics and dashboard pages), 20 % writes (months and uploads).
KINDS = {
    "stats.totals": 0.30,
    "stats.by_district": 0.20,
    "stats.monthly": 0.10,
    "dashboard.page": 0.20,
    "write.patch": 0.15,
    "write.upload": 0.05,
}


def content_callback(path: str, search: str) -> dict[str, object]:
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
    }


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    memory_mb: list[float] = field(default_factory=list)
    seconds: float = 0.0
    # The statistics cache's look-ups during the run (app/stats/cache.py), from the server's /metrics.
    cache: dict[str, float] = field(default_factory=dict)
    # The machine's 1-minute load average, sampled each second of the run (other work shares it).
    load: list[float] = field(default_factory=list)


def process_tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (uvicorn's workers), from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    total_kb, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            pass
    return total_kb / 1024


def ended_months() -> list[str]:
    last = dt.date.fromisoformat(SEED_TODAY).replace(day=1) - dt.timedelta(days=1)
    out, year, month = [], last.year, last.month
    for _ in range(24):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


@dataclass
class Start:
    """Every client signs in first; the clock starts when the last one has."""

    clients: int
    signed_in: int = 0
    # One sign-in at a time: the throttle counts attempts in flight (app/auth/service.py), and fifty
    # at once under one name would lock it, as a password-guessing run should.
    one_at_a_time: asyncio.Lock = field(default_factory=asyncio.Lock)
    event: asyncio.Event = field(default_factory=asyncio.Event)
    deadline: float = 0.0
    seconds: float = 0.0

    def arrive(self) -> None:
        self.signed_in += 1
        if self.signed_in == self.clients:
            self.deadline = time.monotonic() + self.seconds
            self.event.set()


async def client_loop(
    n: int, base: str, token: str, start: Start, budget: list[int], results: Results, rng: random.Random
) -> None:
    months = ended_months()
    auth = {"Authorization": f"Bearer {token}"}
    kinds, weights = list(KINDS), list(KINDS.values())
    # Idle connections expire before uvicorn's keep-alive (5 s) ends them: the first clients wait
    # for the last to sign in, and a request sent on a connection the server is just closing comes
    # back as RemoteProtocolError (seen once per run or so), a race of the generator, not the server.
    limits = httpx.Limits(keepalive_expiry=4.0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        async with start.one_at_a_time:
            for attempt in range(5):
                # uvicorn's supervisor restarts a worker that misses its health ping (seen on this
                # machine at load 20 during the workers' start): sign in again, and count it.
                try:
                    r = await http.post("/dashboard/login", data={"username": VIEWER[0], "password": VIEWER[1]})
                    break
                except httpx.TransportError as exc:
                    results.transport_errors[f"sign-in {type(exc).__name__}"] += 1
                    if attempt == 4:
                        raise
                    await asyncio.sleep(2)
        if r.status_code != 303:
            raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:200]}")
        csrf = {"X-CSRFToken": http.cookies.get("_csrf_token") or ""}
        start.arrive()
        await start.event.wait()
        while time.monotonic() < start.deadline and budget[0] > 0:
            budget[0] -= 1
            kind = rng.choices(kinds, weights)[0]
            district, year, month = rng.choice(TIANJIN), rng.choice(YEARS), rng.choice(months)
            started = time.perf_counter()
            try:
                if kind == "stats.totals":
                    r = await http.get(
                        "/api/v1/stats/totals", params={"district": district, "year": year}, headers=auth
                    )
                elif kind == "stats.by_district":
                    params = {"parent": "120000", "year": year, "indicator": rng.choice(INDICATORS)}
                    r = await http.get("/api/v1/stats/by-district", params=params, headers=auth)
                elif kind == "stats.monthly":
                    params = {"district": district, "year": year, "indicator": rng.choice(INDICATORS)}
                    r = await http.get("/api/v1/stats/monthly", params=params, headers=auth)
                elif kind == "dashboard.page":
                    path = rng.choice(["/dashboard/", "/dashboard/districts"])
                    body = content_callback(path, f"?district=120000&year={year}")
                    r = await http.post("/dashboard/_dash-update-component", json=body, headers=csrf)
                elif kind == "write.patch":
                    values = {"double_random.inspections": rng.randint(1, 400), "drill.drills": rng.randint(0, 9)}
                    r = await http.patch(
                        f"/api/v1/districts/{district}/months/{month}", json={"values": values}, headers=auth
                    )
                else:
                    rows = "\r\n".join(
                        f"{district},{month},{code},{rng.randint(0, 300)}"
                        for code in ("inspection.enterprises", "penalty.cases", "training.sessions")
                    )
                    content = ("区划代码,月份,指标,数值\r\n" + rows + "\r\n").encode()
                    r = await http.post(
                        "/api/v1/uploads", files={"file": (f"load-{n}.csv", content, "text/csv")}, headers=auth
                    )
            except httpx.HTTPError as exc:
                results.transport_errors[type(exc).__name__] += 1
                continue
            results.times[kind].append((time.perf_counter() - started) * 1000)
            results.statuses[(kind, r.status_code)] += 1


async def run_load(base: str, token: str, clients: int, seconds: float, requests: int, pid: int) -> Results:
    results = Results()
    budget = [requests]
    rng = random.Random(20261203)
    start = Start(clients, seconds=seconds)

    async def sample_memory() -> None:
        await start.event.wait()
        while time.monotonic() < start.deadline:
            results.memory_mb.append(process_tree_rss_mb(pid))
            results.load.append(os.getloadavg()[0])
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample_memory())
    await asyncio.gather(
        *(client_loop(n, base, token, start, budget, results, random.Random(rng.random())) for n in range(clients))
    )
    results.seconds = time.monotonic() - (start.deadline - seconds)
    await sampler
    return results


def prepare(backend: str, tmp: Path) -> tuple[str, str | None]:
    """A seeded database for the run: (URL, PostgreSQL database to drop afterwards)."""
    if backend == "sqlite":
        return f"sqlite:///{(tmp / 'load.db').as_posix()}", None
    admin = os.environ.get("BENCH_POSTGRES_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    name = f"yingji_load_{os.getpid()}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.rsplit("/", 1)[0] + "/" + name, name


def drop(name: str) -> None:
    admin = os.environ.get("BENCH_POSTGRES_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def cache_lookups(base: str) -> dict[str, float]:
    """hit and miss of the statistics cache (``hit``, ``miss``) and of the kept dashboard pages
    (``page hit``, ``page miss``), all workers together (multiprocess /metrics)."""
    from prometheus_client.parser import text_string_to_metric_families

    out = {"hit": 0.0, "miss": 0.0, "page hit": 0.0, "page miss": 0.0}
    prefixes = {"stats_results": "", "dashboard_pages": "page "}
    for family in text_string_to_metric_families(httpx.get(base + "/metrics", timeout=30).text):
        for sample in family.samples:
            prefix = prefixes.get(sample.labels.get("cache", ""))
            if sample.name == "yingji_cache_requests_total" and prefix is not None:
                out[prefix + sample.labels["result"]] += sample.value
    return out


def bench(
    backend: str, workers: int, clients: int, seconds: float, requests: int, redis_url: str | None = None
) -> tuple[Results, dict[str, float]]:
    tmp = Path(tempfile.mkdtemp(prefix=f"load-{backend}-"))
    url, pg_name = prepare(backend, tmp)
    env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(tmp / "data"), "ENVIRONMENT": "local"}
    env["LOG_LEVEL"] = "WARNING"
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("REDIS_URL", None)
    redis_prefix = f"yingji:load:{os.getpid()}:{backend}:"
    if redis_url:
        # This run's keys only, deleted afterwards.
        env["REDIS_URL"], env["REDIS_PREFIX"] = redis_url, redis_prefix
    proc = None
    try:
        print(f"[{backend}] 载入演示数据 seeding …", flush=True)
        cli = [sys.executable, "-m", "app"]
        subprocess.run([*cli, "seed", "--today", SEED_TODAY], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run(
            [
                *cli,
                "users",
                "create",
                "--name",
                VIEWER[0],
                "--role",
                "viewer",
                "--district",
                "120000",
                "--password",
                VIEWER[1],
            ],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        _uid, token = bench_admin(Database(url), "load_admin")
        prepare_boundaries(tmp / "data")
        port = free_port()
        log = (tmp / "server.log").open("w")
        command = [*cli, "serve", "--no-seed", "--port", str(port), "--workers", str(workers)]
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300  # four workers start slowly on a loaded 2-core machine
        while True:
            try:
                if httpx.get(base + "/api/v1/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not start: " + (tmp / "server.log").read_text()[-2000:])
            time.sleep(0.5)
        idle = process_tree_rss_mb(proc.pid)
        print(f"[{backend}] {clients} 个客户端 clients, {seconds:.0f} s, {workers} worker(s) …", flush=True)
        before = cache_lookups(base)
        results = asyncio.run(run_load(base, token, clients, seconds, requests, proc.pid))
        after = cache_lookups(base)
        results.cache = {k: after[k] - before[k] for k in after}
        if any(status >= 500 for (_kind, status) in results.statuses) or results.transport_errors:
            kept = Path(tempfile.gettempdir()) / f"load-{backend}-server.log"
            shutil.copy(tmp / "server.log", kept)
            print(f"[{backend}] 5xx 或连接错误，服务器日志 server log kept (5xx, transport errors): {kept}", flush=True)
        return results, {"idle": idle}
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if pg_name:
            drop(pg_name)
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(match=redis_prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
        shutil.rmtree(tmp, ignore_errors=True)


def table(backend: str, workers: int, results: Results, memory: dict[str, float], cache: str = "") -> str:
    total = sum(len(v) for v in results.times.values())
    lines = [
        f"**{backend}**, {workers} worker(s){cache}: {total} answers in {results.seconds:.0f} s = "
        f"**{total / results.seconds:.1f} requests/s**; server memory idle {memory['idle']:.0f} MB, "
        f"peak {max(results.memory_mb or [0]):.0f} MB (every process of the server); load average during "
        f"the run {min(results.load or [0]):.1f}–{max(results.load or [0]):.1f}.",
        "",
        "| kind | answers | p50 (ms) | p95 (ms) | p99 (ms) | statuses |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind in KINDS:
        t = results.times.get(kind, [])
        if not t:
            continue
        statuses = ", ".join(f"{s}×{n}" for (k, s), n in sorted(results.statuses.items()) if k == kind)
        lines.append(
            f"| {kind} | {len(t)} | {percentile(t, 0.5):.0f} | {percentile(t, 0.95):.0f} | "
            f"{percentile(t, 0.99):.0f} | {statuses} |"
        )
    reads = [x for k, v in results.times.items() if k.startswith("stats.") for x in v]
    writes = [x for k, v in results.times.items() if k.startswith("write.") for x in v]
    five = sum(n for (_k, s), n in results.statuses.items() if s >= 500)
    lines += [
        "",
        f"Statistics p95 {percentile(reads, 0.95):.0f} ms, writes p95 {percentile(writes, 0.95):.0f} ms; "
        f"5xx answers: {five}; transport errors: {dict(results.transport_errors) or 0}.",
    ]
    if results.cache:
        looked = results.cache["hit"] + results.cache["miss"]
        share = results.cache["hit"] / looked * 100 if looked else 0.0
        lines.append(
            f"Statistics cache: {results.cache['hit']:.0f} hits, {results.cache['miss']:.0f} misses "
            f"({share:.0f} % hits; API and dashboard look-ups together)."
        )
        pages = results.cache.get("page hit", 0.0) + results.cache.get("page miss", 0.0)
        if pages:
            lines.append(
                f"Dashboard pages kept (dashboard/page_cache.py): {results.cache['page hit']:.0f} served as kept, "
                f"{results.cache['page miss']:.0f} drawn ({results.cache['page hit'] / pages * 100:.0f} % kept)."
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--requests", type=int, default=100_000, help="at most this many requests in all")
    parser.add_argument("--pg-workers", type=int, default=4)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--no-write", action="store_true", help="print, do not update BENCHMARKS.md")
    parser.add_argument(
        "--redis-url", help="PostgreSQL's run shares the statistics cache in this Redis (SQLite's stays in-process)"
    )
    args = parser.parse_args()
    clients = min(max(1, args.clients), MAX_CLIENTS)
    seconds = min(max(1.0, args.seconds), MAX_SECONDS)
    requests = min(max(1, args.requests), MAX_REQUESTS)
    runs = [("sqlite", 1), ("postgresql", args.pg_workers)]
    if args.only:
        runs = [r for r in runs if r[0] == args.only]
    load_before = os.getloadavg()[0]
    parts = []
    for backend, workers in runs:
        redis_url = args.redis_url if backend == "postgresql" else None
        results, memory = bench(backend, workers, clients, seconds, requests, redis_url)
        part = table(backend, workers, results, memory, ", cache in Redis" if redis_url else ", cache in-process")
        print(part, flush=True)
        parts.append(part)
    command = f"python benchmarks/load_benchmark.py --clients {clients} --seconds {seconds:.0f}"
    if args.only:
        command += f" --only {args.only}"
    if args.redis_url:
        command += f" --redis-url {args.redis_url}"
    section = "\n\n".join(
        [
            "## Load (issue 17)",
            f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} on {os.cpu_count()} CPUs, the load generator on the same "
            f"machine; load average {load_before:.1f} when the run began.",
            f"```\n{command}\n```",
            f"{clients} clients for {seconds:.0f} s, each signed in once and then sending one request after "
            "another: 80 % reads (statistics totals/by-district/monthly of Tianjin's districts, the dashboard's "
            "overview and districts pages), 20 % writes (PATCH of a month, a three-row CSV upload), random "
            "districts, years and months of the demo data. A 422 on a write is the validation rules refusing a "
            "random figure (e.g. fewer inspections than results already published), not a failure. Targets "
            "(issue 17, PostgreSQL with 4 workers): statistics p95 ≤ 1 s, writes p95 ≤ 2 s, no 5xx.",
            *parts,
        ]
    )
    if not args.no_write:
        write_section("## Load (issue 17)", section)


if __name__ == "__main__":
    main()
