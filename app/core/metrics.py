"""Prometheus metrics: what a deployment watches (requests, uploads, report renders, caches).

One process: the counters live in this process and ``GET /metrics`` reads them. Several worker
processes (``python -m app serve --workers N``, gunicorn): each worker counts in files under
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` of any worker reads them all (prometheus_client's
multiprocess mode). ``serve`` sets the directory itself when it starts more than one worker; other
process managers must set it (an empty directory, per start) before the workers start.

Who may read: without credentials only clients from ``METRICS_ALLOW_FROM`` (address ranges, default
loopback: a Prometheus on the same host or behind the same proxy network); from anywhere else an
admin's bearer token. Behind a reverse proxy the client address is the proxy's: list the scraper's
range, not the proxy's, or scrape the processes directly.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Seconds: dashboard pages and reports take up to a few seconds, statistics tens of milliseconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "yingji_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "yingji_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
UPLOAD_ROWS = Counter(
    "yingji_upload_rows_total",
    "Figures of accepted uploads (not dry runs), by what they did: created, updated, removed, unchanged",
    ["outcome"],
)
UPLOAD_FILES = Counter(
    "yingji_upload_files_total",
    "Uploaded files, by result: stored, dry_run, refused",
    ["result"],
)
UPLOAD_ERRORS = Counter(
    "yingji_upload_errors_total",
    "Problems found in refused uploads (one file may have many)",
)
REPORT_RENDERS = Counter(
    "yingji_report_renders_total",
    "Reports rendered, by kind (annual, bulletin) and format (md, html, docx)",
    ["kind", "format"],
)
REPORT_RENDER_SECONDS = Histogram(
    "yingji_report_render_seconds",
    "Time to render a report once its figures are known, by format",
    ["format"],
    buckets=LATENCY_BUCKETS,
)
CACHE_REQUESTS = Counter(
    "yingji_cache_requests_total",
    "Look-ups in the process caches, by cache and result (hit, miss)",
    ["cache", "result"],
)

CACHE_ERRORS = Counter(
    "yingji_cache_errors_total",
    "Cache back-end failures answered without the cache (e.g. Redis unreachable), by cache and back-end",
    ["cache", "backend"],
)


def cache_lookup(cache: str, hit: bool) -> None:
    CACHE_REQUESTS.labels(cache=cache, result="hit" if hit else "miss").inc()


def cache_error(cache: str, backend: str) -> None:
    CACHE_ERRORS.labels(cache=cache, backend=backend).inc()


def prepare_multiprocess_dir(path: Path) -> None:
    """Before the workers start: an empty directory for their counters (files of an earlier run
    would be added to this run's), named in the environment the workers inherit."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, of every worker when several count in files."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def parse_networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``"127.0.0.1/32, ::1/128, 10.0.0.0/8"`` → networks; a bare address is a network of one."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()]


def address_allowed(host: str | None, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # not an address (a Unix socket, the test client's "testclient")
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
