"""`python -m app serve` on an empty data folder: migrates, seeds, and serves API, docs and dashboard.

This is what `make run` does; it runs the real command in a subprocess against a real socket.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_brings_up_api_docs_and_dashboard(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        env=env,
        cwd=Path(__file__).parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited early:\n{proc.stdout.read() if proc.stdout else ''}")
            try:
                r = httpx.get(f"{base}/api/v1/health/ready", timeout=2)
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not answer within 120 s")
            time.sleep(0.5)
        health = r.json()
        assert health["database"]["status"] == "ok"
        assert health["database"]["districts"] >= 2800
        assert httpx.get(f"{base}/docs", timeout=5).status_code == 200
        # First start on a laptop: a demo admin exists and its password is in the data folder.
        note = (tmp_path / "data" / "demo-admin.txt").read_text(encoding="utf-8")
        password = note.split("password:")[1].strip()
        with httpx.Client(base_url=base, timeout=10) as browser:
            assert browser.get("/dashboard/").status_code == 302
            signed = browser.post("/dashboard/login", data={"username": "admin", "password": password})
            assert signed.status_code == 303
            dash = browser.get("/dashboard/")
            assert dash.status_code == 200 and "_dash-config" in dash.text
        # The SQLite file went into the data folder, as the README says.
        assert (tmp_path / "data" / "yingji.db").exists()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    # Logs are JSON lines: one per request, by route template, and never the password.
    output = proc.stdout.read() if proc.stdout else ""
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    requests = [(e["method"], e["route"], e["status"]) for e in logged if e.get("event") == "http_request"]
    assert ("GET", "/api/v1/health/ready", 200) in requests
    assert ("POST", "/dashboard/login", 303) in requests
    assert [e["outcome"] for e in logged if e.get("event") == "sign_in"] == ["success"]
    assert password not in "\n".join(line for line in output.splitlines() if line.startswith("{"))
