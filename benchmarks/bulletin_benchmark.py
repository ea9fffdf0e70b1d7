"""Benchmark of the periodic bulletin (issue 16). Not a test: it measures.

For each database it times the city quarter bulletin (Tianjin 120000, 2025-Q1) as DOCX, warm (the
process has generated one before, as a running server has), N times: the statistics reads
(``build_bulletin``), the rendering (``bulletin_docx``), the two together, and GET
/api/v1/reports/bulletin?format=docx through the real app; and, once, the cold command line with
``--children`` for a municipality and each of its districts (Chongqing 500000, 2025-01:2025-09, with its progress
bar). Target: the warm city quarter bulletin in DOCX under 1 s. The results replace the
"## Bulletins (issue 16)" section of BENCHMARKS.md and nothing else.

    python benchmarks/bulletin_benchmark.py                        # a fresh seeded SQLite file
    python benchmarks/bulletin_benchmark.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/yingji_bulletins
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Puts the project on the import path: before the app's imports.
from _common import BENCHMARKS_MD, ROOT, percentile, timed, write_section
from sqlalchemy import func, select

from app.auth.scope import SYSTEM
from app.core.db import Database
from app.core.migrate import upgrade
from app.reports.bulletin import build_bulletin
from app.reports.bulletin_render import bulletin_docx
from app.stats.context import StatsContext
from app.values.models import MonthlyValue

SECTION = "## Bulletins (issue 16)"
CITY, PERIOD = "120000", "2025-Q1"
PROVINCE, PROVINCE_PERIOD = "500000", "2025-01:2025-09"
TODAY = dt.date(2026, 11, 22)
TARGET_MS = 1000.0


def summary(values: list[float]) -> str:
    """median / p95 / max of milliseconds."""
    return f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f} / {max(values):.1f}"


def ensure_seeded(database: Database) -> None:
    upgrade(database.engine)
    with database.session() as session:
        have = session.scalar(
            select(func.count()).select_from(MonthlyValue).where(MonthlyValue.district_code == "120102")
        )
    if not have:
        from seed.loader import seed_demo

        print(f"seeding {database.url} …", file=sys.stderr)
        seed_demo(database, today=TODAY)


def measure(url: str, n: int) -> dict[str, str | float]:
    database = Database(url)
    ensure_seeded(database)
    with database.session() as session:

        def build() -> object:
            return build_bulletin(StatsContext(session, SYSTEM, TODAY), district=CITY, period=PERIOD)

        bulletin = build_bulletin(StatsContext(session, SYSTEM, TODAY), district=CITY, period=PERIOD)
        bulletin_docx(bulletin)  # warm: imports and python-docx's template
        build_times = timed(build, n)
        render_times = timed(lambda: bulletin_docx(bulletin), n)
        total_times = timed(
            lambda: bulletin_docx(build_bulletin(StatsContext(session, SYSTEM, TODAY), district=CITY, period=PERIOD)),
            n,
        )
        size_kb = round(len(bulletin_docx(bulletin)) / 1024)
    api_times = measure_api(database, n)
    database.engine.dispose()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "children"
        env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": tmp}
        command = [
            sys.executable,
            "-m",
            "app",
            "bulletin",
            "--district",
            PROVINCE,
            "--period",
            PROVINCE_PERIOD,
            "--format",
            "docx",
            "--children",
            "-o",
            str(folder),
            "--today",
            TODAY.isoformat(),
        ]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        children_s = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"CLI failed: {done.stderr}")
        files = len(list(folder.iterdir()))
    return {
        "backend": url.split(":", 1)[0].split("+")[0],
        "build": summary(build_times),
        "render": summary(render_times),
        "total": summary(total_times),
        "total_max_ms": round(max(total_times), 1),
        "api": summary(api_times),
        "api_max_ms": round(max(api_times), 1),
        "children_s": round(children_s, 1),
        "children_files": files,
        "size_kb": size_kb,
    }


def measure_api(database: Database, n: int) -> list[float]:
    """GET /api/v1/reports/bulletin?format=docx through the real app (authentication and the clock replaced:
    the system principal, the seed's today), so that the benchmark writes nothing into the database."""
    from fastapi.testclient import TestClient

    from app.auth.deps import current_principal
    from app.core.config import Settings
    from app.core.deps import today
    from app.main import create_app

    app = create_app(Settings(database_url=database.url, environment="test", log_level="WARNING"), database)
    app.dependency_overrides[current_principal] = lambda: SYSTEM
    app.dependency_overrides[today] = lambda: TODAY
    params = {"district": CITY, "period": PERIOD, "format": "docx"}
    with TestClient(app) as client:

        def get() -> None:
            response = client.get("/api/v1/reports/bulletin", params=params)
            assert response.status_code == 200, response.text

        get()
        return timed(get, n)


def render(rows: list[dict[str, str | float]], n: int, command: str) -> str:
    lines = [
        SECTION,
        "",
        f"The city quarter bulletin as DOCX (天津市 {CITY}, {PERIOD}: totals with 同比 and 环比, the rates, two",
        "ranking tables of 16 districts, reporting quality, the appendix), in-process and through the API. Warm = in",
        f"a process that has generated one before, as the server has; median / p95 / max in ms over {n} runs. Target:",
        f"under {int(TARGET_MS)} ms. `--children` is one cold command (`python -m app bulletin --district {PROVINCE}",
        f"--period {PROVINCE_PERIOD} --children`: 重庆市 and each of its districts, DOCX, with the progress bar),",
        "start and imports included.",
        "",
        "| database | statistics reads | DOCX rendering | bulletin total (warm) | GET …/reports/bulletin?format=docx "
        "| --children (cold, whole run) | file |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['build']} | {r['render']} | **{r['total']}** | {r['api']} "
            f"| {r['children_s']} s, {r['children_files']} files | {r['size_kb']} KB |"
        )
    verdict = passed(rows)
    lines += [
        "",
        f"Result: {'every' if verdict else 'NOT every'} warm city quarter bulletin under {int(TARGET_MS)} ms "
        f"(max {max(max(float(r['total_max_ms']), float(r['api_max_ms'])) for r in rows)} ms, API included).",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"({os.cpu_count()} CPUs, Python {platform.python_version()}), a shared machine: other work was running.",
        "",
        "Reproduce:",
        "",
        "```",
        command,
        "```",
        "",
    ]
    return "\n".join(lines)


def passed(rows: list[dict[str, str | float]]) -> bool:
    return all(float(r["total_max_ms"]) < TARGET_MS and float(r["api_max_ms"]) < TARGET_MS for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", default=None, help="SQLite URL (default: a fresh seeded temporary file)")
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (seeded here if it has no data)")
    parser.add_argument("-n", type=int, default=20, help="runs per measurement")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = args.sqlite or f"sqlite:///{Path(tmp) / 'bulletins.db'}"
        rows.append(measure(sqlite, args.n))
        if args.postgres:
            rows.append(measure(args.postgres, args.n))
    command = "python benchmarks/bulletin_benchmark.py" + (f" --postgres {args.postgres}" if args.postgres else "")
    section = render(rows, args.n, command)
    print(section)
    if not args.no_write:
        write_section(SECTION, section, BENCHMARKS_MD)
    if not passed(rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
