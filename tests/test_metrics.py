"""Health (liveness and readiness) and Prometheus metrics at /metrics: what is counted, who may read."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.core.metrics import address_allowed, parse_networks
from tests.conftest import HeadersFor
from tests.upload_helpers import csv_bytes, label, long_rows, months_ago, upload

LOOPBACK = ("127.0.0.1", 50000)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def scrape(api: FastAPI) -> str:
    with TestClient(api, client=LOOPBACK) as local:
        r = local.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


def test_liveness_and_readiness(client: TestClient) -> None:
    live = client.get("/api/v1/health")
    assert live.status_code == 200 and live.json()["status"] == "ok"
    ready = client.get("/api/v1/health/ready")
    assert ready.status_code == 200
    assert ready.json()["database"]["revision"] == ready.json()["database"]["head"]


def test_metrics_need_an_allowed_address_or_an_admin(api: FastAPI, client: TestClient, headers_for: HeadersFor) -> None:
    # The test client's address ("testclient") is in no range: like a stranger on the network.
    r = client.get("/metrics")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/metrics", headers=headers_for("viewer", "120000")).status_code == 403
    assert client.get("/metrics", headers=headers_for("staff", "120102")).status_code == 403
    admin = client.get("/metrics", headers=headers_for("admin"))
    assert admin.status_code == 200 and "yingji_http_requests_total" in admin.text
    with TestClient(api, client=("10.1.2.3", 4000)) as remote:
        assert remote.get("/metrics").status_code == 401
    with TestClient(api, client=LOOPBACK) as local:
        assert local.get("/metrics").status_code == 200
    with TestClient(api, client=("::1", 4000)) as local6:
        assert local6.get("/metrics").status_code == 200


def test_address_ranges() -> None:
    nets = parse_networks("127.0.0.1/32, ::1/128,10.0.0.0/8")
    assert address_allowed("10.200.0.1", nets)
    assert address_allowed("::ffff:127.0.0.1", nets)  # an IPv4 client on a dual-stack socket
    assert not address_allowed("11.0.0.1", nets)
    assert not address_allowed("testclient", nets)
    assert not address_allowed(None, nets)
    assert not address_allowed("127.0.0.1", parse_networks(""))


def test_requests_are_counted_by_route_template_and_status(
    api: FastAPI, client: TestClient, admin_headers: dict[str, str]
) -> None:
    route = "/api/v1/districts/{code}"
    before = scrape(api)
    for code in ("120102", "120103", "120104"):
        assert client.get(f"/api/v1/districts/{code}", headers=admin_headers).status_code == 200
    assert client.get("/api/v1/districts/999999", headers=admin_headers).status_code == 404
    client.get("/no/such/path/12345")
    after = scrape(api)
    counted = "yingji_http_requests_total"
    assert (
        value(after, counted, method="GET", route=route, status="200")
        - value(before, counted, method="GET", route=route, status="200")
        == 3
    )
    assert (
        value(after, counted, method="GET", route=route, status="404")
        - value(before, counted, method="GET", route=route, status="404")
        == 1
    )
    # One label for every unmatched path: a scanner cannot grow the metrics without bound.
    assert "/no/such/path/12345" not in after
    assert value(after, counted, method="GET", route="(unmatched)", status="404") >= 1
    hist = "yingji_http_request_duration_seconds_count"
    assert value(after, hist, method="GET", route=route) - value(before, hist, method="GET", route=route) == 4


def test_uploads_and_report_renders_are_counted(api: FastAPI, client: TestClient, headers_for: HeadersFor) -> None:
    staff = headers_for("staff", "120102")
    month = label(months_ago(2))
    before = scrape(api)
    good = csv_bytes(long_rows("120102", month, {"double_random.inspections": 4321, "drill.drills": 7}))
    assert upload(client, staff, good, dry_run=True).status_code == 200
    assert upload(client, staff, good).status_code == 201
    bad = csv_bytes(long_rows("120102", month, {"double_random.inspections": -1, "no.such": 1}))
    assert upload(client, staff, bad).status_code == 422
    r = client.get("/api/v1/reports/annual", params={"district": "120102", "year": 2024, "format": "md"}, headers=staff)
    assert r.status_code == 200
    after = scrape(api)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("yingji_upload_files_total", result="dry_run") == 1
    assert grew("yingji_upload_files_total", result="stored") == 1
    assert grew("yingji_upload_files_total", result="refused") == 1
    assert grew("yingji_upload_errors_total") >= 2
    changed = grew("yingji_upload_rows_total", outcome="created") + grew("yingji_upload_rows_total", outcome="updated")
    assert changed + grew("yingji_upload_rows_total", outcome="unchanged") == 2
    assert grew("yingji_report_renders_total", kind="annual", format="md") == 1
    assert grew("yingji_report_render_seconds_count", format="md") == 1
    assert value(after, "yingji_cache_requests_total", cache="indicators", result="hit") > 0
