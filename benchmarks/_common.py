"""What every benchmark needs: the project on the import path, a real server in its own process, a
bench admin, timing and percentiles, and replacing one section of BENCHMARKS.md.

The benchmarks run as scripts (``python benchmarks/x_benchmark.py``), which puts this folder, not the
project, on ``sys.path``: importing this module adds the project, so it comes before any ``app`` import.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from app.auth.models import Role  # noqa: E402
from app.auth.service import create_token, create_user  # noqa: E402
from app.core.db import Database  # noqa: E402

BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
# Map boundaries built once for every benchmark run (about two minutes and 400 MB the first time).
BOUNDARIES_CACHE = Path(tempfile.gettempdir()) / "yingji-bench-data"


def prepare_boundaries(data_dir: Path) -> None:
    """Put the district boundaries into ``data_dir`` before a server starts on it.

    A server on a data directory without them builds them in a child process at its first start
    (``app.districts.boundaries.warm``): once per deployment, but a benchmark that starts servers on
    new directories would measure that build (a sixth of the machine's CPU) and its memory instead
    of steady service. Built once into BOUNDARIES_CACHE, then copied (about 23 MB)."""
    subprocess.run(
        [sys.executable, "-m", "app.districts.boundaries", "--data-dir", str(BOUNDARIES_CACHE)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    shutil.copytree(BOUNDARIES_CACHE / "boundaries", Path(data_dir) / "boundaries", dirs_exist_ok=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The app on ``url`` in a process of its own (so that its memory is its own), one worker,
    logging warnings only, its output in ``data_dir``/server.log.

    ``via_cli``: started as users start it, ``python -m app serve`` (migrate, then uvicorn);
    otherwise ``python -m uvicorn app.main:app`` alone."""

    def __init__(
        self,
        url: str,
        data_dir: Path,
        *,
        via_cli: bool = False,
        timeout: float = 90,
        ready_path: str = "/api/v1/health",
    ) -> None:
        self.port = free_port()
        # A new data directory would have the server build the map boundaries beside the benchmark.
        prepare_boundaries(data_dir)
        self.log_path = data_dir / "server.log"
        env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(data_dir), "ENVIRONMENT": "local"}
        env["LOG_LEVEL"] = "WARNING"
        command = (
            ["-m", "app", "serve", "--port", str(self.port), "--no-seed"]
            if via_cli
            else ["-m", "uvicorn", "app.main:app", "--port", str(self.port), "--log-level", "warning"]
        )
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + ready_path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("the server did not start: " + self.log_path.read_text()[-2000:])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def bench_admin(database: Database, name: str, *, password: str | None = None) -> tuple[int, str]:
    """A new admin (the whole country) for the run and an API token of theirs: (user id, token)."""
    with database.session() as session:
        user = create_user(session, name=name, role=Role.admin, districts=[], password=password)
        _row, token = create_token(session, user=user, name="benchmark")
        return user.id, token


def timed(fn: Callable[[], Any], runs: int, warmup: int = 0) -> list[float]:
    """Milliseconds of each of ``runs`` calls of ``fn``, after ``warmup`` calls not counted."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    """The value at rank ``q`` (0 … 1) of ``values``, nearest rank, no interpolation."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def write_section(heading: str, section: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace the section under ``heading`` (up to the next ``## `` heading) and leave the rest alone."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: section.rstrip() + "\n\n", current, count=1)
    else:
        updated = current.rstrip() + "\n\n" + section.rstrip() + "\n"
    path.write_text(updated.rstrip() + "\n", encoding="utf-8")
