"""The first DOCX report after the server starts, with and without the warm-up (app/reports/warm.py).

    python benchmarks/first_report_benchmark.py [--runs 3]

Each run: a new server process (`python -m app serve`) on a seeded SQLite file; as soon as
/api/v1/health/ready answers, and again in a new server after a pause of 3 s, GET the Hedong 2021
report as DOCX and time it; then the same request warm. Writes BENCHMARKS.md ("## First report").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import ROOT, Server, bench_admin, percentile, write_section

from app.core.db import Database

URL = "/api/v1/reports/annual?district=120102&year=2021&format=docx"


def first_docx(db_url: str, data: Path, *, warm: bool, pause: float) -> tuple[float, float]:
    os.environ["WARM_UP"] = "true" if warm else "false"
    server = Server(db_url, data, via_cli=True, ready_path="/api/v1/health/ready")
    try:
        _uid, token = bench_admin(Database(db_url), f"first_{time.monotonic_ns()}")
        time.sleep(pause)
        headers = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        r = httpx.get(server.base + URL, headers=headers, timeout=60)
        first = (time.perf_counter() - started) * 1000
        assert r.status_code == 200 and r.content[:2] == b"PK", r.text[:300]
        started = time.perf_counter()
        httpx.get(server.base + URL, headers=headers, timeout=60)
        return first, (time.perf_counter() - started) * 1000
    finally:
        server.stop()
        os.environ.pop("WARM_UP", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="first-report-"))
    db_url = f"sqlite:///{(tmp / 'reports.db').as_posix()}"
    env = {**os.environ, "DATABASE_URL": db_url, "DATA_DIR": str(tmp)}
    subprocess.run([sys.executable, "-m", "app", "seed", "--today", "2026-11-22"], env=env, cwd=ROOT, check=True)
    # The map boundaries are built by a child process at a data directory's first start (a minute of
    # both cores): build them now, so that they do not run beside the timed requests.
    if (ROOT / "data" / "boundaries").is_dir():
        shutil.copytree(ROOT / "data" / "boundaries", tmp / "boundaries")
    warm_maps = [sys.executable, "-m", "app.districts.boundaries", "--warm", "--data-dir", str(tmp)]
    subprocess.run(warm_maps, env=env, cwd=ROOT, check=True)
    load = os.getloadavg()[0]
    rows = []
    try:
        for warm in (False, True):
            for pause in (0.0, 3.0):
                firsts, warms = [], []
                for _ in range(args.runs):
                    first, again = first_docx(db_url, tmp, warm=warm, pause=pause)
                    firsts.append(first)
                    warms.append(again)
                label = ("warm-up on" if warm else "warm-up off") + (
                    f", request {pause:.0f} s after ready" if pause else ", request at ready"
                )
                rows.append(
                    f"| {label} | {percentile(firsts, 0.5):.0f} | {max(firsts):.0f} | {percentile(warms, 0.5):.0f} |"
                )
                print(rows[-1], flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    section = "\n".join(
        [
            "## First report (issue 17)",
            "",
            f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} on {os.cpu_count()} CPUs, load average {load:.1f} "
            f"when the run began; {args.runs} new servers per row (demo data on SQLite), "
            "the Hedong 2021 report as DOCX through the API. "
            "Target: the first DOCX after start ≤ 1000 ms.",
            "",
            "```",
            f"python benchmarks/first_report_benchmark.py --runs {args.runs}",
            "```",
            "",
            "| server | first DOCX p50 (ms) | first DOCX max (ms) | the next one p50 (ms) |",
            "| --- | ---: | ---: | ---: |",
            *rows,
        ]
    )
    if not args.no_write:
        write_section("## First report (issue 17)", section)


if __name__ == "__main__":
    main()
