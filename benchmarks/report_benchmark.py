"""Benchmark of the year-end report generator (issue 7). Not a test: it measures.

For each database it times one district-year report (Hedong 2021) as DOCX: the statistics reads
(``build_annual_report``), the rendering (``to_docx``, chart included) and the two together, warm
(the process has generated one report already, as a running server has), N times; and, once, the
cold command line (``python -m app report … --format docx``, a new process importing everything).
Target: the warm DOCX report under 1 s. The results replace the "## Reports (issue 7)" section of
BENCHMARKS.md and nothing else.

    python benchmarks/report_benchmark.py                        # a fresh seeded SQLite file
    python benchmarks/report_benchmark.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/yingji_reports
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
from app.reports.annual import build_annual_report
from app.reports.docx import to_docx
from app.stats.context import StatsContext
from app.values.models import MonthlyValue

SECTION = "## Reports (issue 7)"
DISTRICT, YEAR, CITY = "120102", 2021, "120000"
TODAY = dt.date(2026, 11, 22)
TARGET_MS = 1000.0


def summary(values: list[float]) -> str:
    """median / p95 / max of milliseconds."""
    return f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f} / {max(values):.1f}"


def ensure_seeded(database: Database) -> None:
    upgrade(database.engine)
    with database.session() as session:
        have = session.scalar(
            select(func.count()).select_from(MonthlyValue).where(MonthlyValue.district_code == DISTRICT)
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
            return build_annual_report(StatsContext(session, SYSTEM, TODAY), district=DISTRICT, year=YEAR)

        report = build_annual_report(StatsContext(session, SYSTEM, TODAY), district=DISTRICT, year=YEAR)
        to_docx(report)  # warm: imports, fonts, matplotlib's caches
        build_times = timed(build, n)
        render_times = timed(lambda: to_docx(report), n)
        total_times = timed(
            lambda: to_docx(build_annual_report(StatsContext(session, SYSTEM, TODAY), district=DISTRICT, year=YEAR)),
            n,
        )  # type: ignore[arg-type]
        city_times = timed(
            lambda: to_docx(build_annual_report(StatsContext(session, SYSTEM, TODAY), district=CITY, year=YEAR)),
            max(3, n // 4),
        )
        size_kb = round(len(to_docx(report)) / 1024)
    api_times = measure_api(database, n)
    database.engine.dispose()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.docx"
        env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": tmp}
        start = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "app",
                "report",
                "--district",
                DISTRICT,
                "--year",
                str(YEAR),
                "--format",
                "docx",
                "-o",
                str(out),
                "--today",
                TODAY.isoformat(),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        cold = time.perf_counter() - start
        if done.returncode != 0 or not out.exists():
            raise SystemExit(f"CLI failed: {done.stderr}")
    return {
        "backend": url.split(":", 1)[0].split("+")[0],
        "build": summary(build_times),
        "render": summary(render_times),
        "total": summary(total_times),
        "total_median_ms": round(statistics.median(total_times), 1),
        "total_max_ms": round(max(total_times), 1),
        "city": summary(city_times),
        "api": summary(api_times),
        "api_max_ms": round(max(api_times), 1),
        "cold_cli_ms": round(cold * 1000, 1),
        "size_kb": size_kb,
    }


def measure_api(database: Database, n: int) -> list[float]:
    """GET /api/v1/reports/annual?format=docx through the real app (authentication replaced by the
    system principal, so that the benchmark writes no user or token into the database)."""
    from fastapi.testclient import TestClient

    from app.auth.deps import current_principal
    from app.core.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url=database.url, environment="test", log_level="WARNING"), database)
    app.dependency_overrides[current_principal] = lambda: SYSTEM
    params = {"district": DISTRICT, "year": YEAR, "format": "docx"}
    with TestClient(app) as client:

        def get() -> None:
            response = client.get("/api/v1/reports/annual", params=params)
            assert response.status_code == 200, response.text

        get()
        return timed(get, n)


def render(rows: list[dict[str, str | float]], n: int, command: str) -> str:
    lines = [
        SECTION,
        "",
        f"One district-year report as DOCX (Hedong {DISTRICT}, {YEAR}: statistics reads, text, the figure table, the",
        "matplotlib chart, the data appendix), in-process and through the API. Warm = in a process that has",
        f"generated a report before, as the server has; median / p95 / max in ms over {n} runs. Target: the warm",
        f"DOCX report under {int(TARGET_MS)} ms. The cold command line is one new process (`python -m app report …",
        "--format docx`), with the interpreter's start and every import (matplotlib alone ≈ 0.5 s) included.",
        "",
        "| database | statistics reads | DOCX rendering | report total (warm) | GET …/reports/annual?format=docx "
        "| city report (天津市, 16 districts) | cold CLI | file |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['build']} | {r['render']} | **{r['total']}** | {r['api']} | {r['city']} "
            f"| {r['cold_cli_ms']} | {r['size_kb']} KB |"
        )
    verdict = passed(rows)
    lines += [
        "",
        f"Result: {'every' if verdict else 'NOT every'} warm report under {int(TARGET_MS)} ms "
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
        sqlite = args.sqlite or f"sqlite:///{Path(tmp) / 'reports.db'}"
        rows.append(measure(sqlite, args.n))
        if args.postgres:
            rows.append(measure(args.postgres, args.n))
    command = "python benchmarks/report_benchmark.py" + (f" --postgres {args.postgres}" if args.postgres else "")
    section = render(rows, args.n, command)
    print(section)
    if not args.no_write:
        write_section(SECTION, section, BENCHMARKS_MD)
    if not passed(rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
