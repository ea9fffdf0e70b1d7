"""Benchmark of the leaders' dashboard (issue 6) on the national data set. Not a test: it measures.

For each database given it starts the real server (uvicorn, one process) on that database, signs in,
and measures

1. the server time of the callback that draws a page (Dash pages' content callback, which calls
   the page's ``layout`` and so the statistics query layer), posted as the browser posts it, for
   (a) the Overview of a province-year and (b) the Districts page of the whole country, plus a
   county's Overview and a province's Districts page for scale;
2. the time the query layer alone needs for the same calls (in-process, one after another), so
   the dashboard's own share is visible;
3. in headless Chromium, the full page: from navigation to the last chart drawn.

The results replace the "## Dashboard (issue 6)" section of BENCHMARKS.md and nothing else.

    python -m app seed national --years 10                       # DATABASE_URL=… for PostgreSQL
    python benchmarks/dashboard_benchmark.py --sqlite sqlite:///data/bench.db \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/yingji_bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# Puts the project on the import path: before the app's imports.
from _common import Server, bench_admin, timed, write_section
from sqlalchemy import func, select

from app.auth.scope import SYSTEM
from app.core.db import Database
from app.core.migrate import upgrade
from app.stats.context import StatsContext
from app.values.models import MonthlyValue
from dashboard import queries
from tests.dashboard_helpers import content_callback

SECTION = "## Dashboard (issue 6)"
PROVINCE, COUNTY = "510000", "120102"  # 四川省 (183 county-level districts, the most); 河东区
CITY = "120000"  # 天津市: the leaders of issue 15 (16 districts)
SERVER_TARGET_MS = 500.0
BROWSER_TARGET_MS = 2000.0
# Issue 15: navigation → last chart of Tianjin's Overview and Districts pages.
CITY_BROWSER_TARGET_MS = 1000.0
PASSWORD = "dashboard-bench-2026"
CHROMIUM = "/usr/bin/chromium"
DRAWN = """() => {
    if (!document.querySelector('#page-heading, #page-error')) return false;
    if (document.querySelector('[data-dash-is-loading="true"]')) return false;
    const graphs = [...document.querySelectorAll('.dash-graph')];
    return graphs.length > 0 && graphs.every(g => g.querySelector('.main-svg'));
}"""


@dataclass
class View:
    key: str
    title: str
    path: str
    search: str
    stats_calls: Callable[[Any], None]  # the query-layer calls the page makes, given a session
    headline: bool  # one of the two views the issue sets targets for
    city: bool = False  # one of Tianjin's views (issue 15's browser target)


def views(year: int, today: dt.date) -> list[View]:
    def overview(district: str) -> Callable[[Any], None]:
        def calls(session: Any) -> None:
            stats = StatsContext(session, SYSTEM, today)
            queries.annual_totals(stats, district=district, year=year)
            queries.yearly_totals(stats, district=district, years=queries.trend_years(year))
            queries.monthly_compare(stats, district=district, year=year, indicator=queries.DEFAULT_INDICATOR)
            queries.derived_ratios(stats, district=district, year=year)

        return calls

    def districts(parent: str | None) -> Callable[[Any], None]:
        def calls(session: Any) -> None:
            level = queries.children_level(session, principal=SYSTEM, parent=parent)
            queries.rankings(
                StatsContext(session, SYSTEM, today),
                parent=parent,
                year=year,
                indicators=[queries.DEFAULT_INDICATOR, *queries.HEADLINE],
                level=level,
            )

        return calls

    return [
        View("a", f"Overview, province {PROVINCE}, {year}", "/dashboard/", f"?district={PROVINCE}&year={year}",
             overview(PROVINCE), True),
        View("b", f"Districts, whole country, {year}", "/dashboard/districts", f"?year={year}", districts(None), True),
        View("c", f"Overview, county {COUNTY}, {year}", "/dashboard/", f"?district={COUNTY}&year={year}",
             overview(COUNTY), False),
        View("d", f"Districts, province {PROVINCE}, {year}", "/dashboard/districts",
             f"?district={PROVINCE}&year={year}", districts(PROVINCE), False),
        View("e", f"Overview, city {CITY} (Tianjin), {year}", "/dashboard/", f"?district={CITY}&year={year}",
             overview(CITY), False, city=True),
        View("f", f"Districts, city {CITY} (Tianjin), {year}", "/dashboard/districts",
             f"?district={CITY}&year={year}", districts(CITY), False, city=True),
    ]  # fmt: skip


# ----------------------------------------------------------------------------- measuring


def browser_times(base: str, name: str, the_views: list[View], runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base + "/dashboard/login")
        page.fill("#username", name)
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#signed-in-user")
        for view in the_views:
            url = base + view.path + view.search

            def load(url: str = url) -> None:
                page.goto(url)
                page.wait_for_function(DRAWN, timeout=120_000)

            # The first load fetches the scripts (plotly.js and the rest); later ones use the cache,
            # as a leader's second page does.
            out[view.key] = timed(load, runs, warmup=1)
        browser.close()
    return out


def bench_database(url: str, *, runs: int, year: int, browser_runs: int) -> dict[str, Any]:
    database = Database(url)
    upgrade(database.engine)
    today = dt.date.today()
    the_views = views(year, today)
    name = f"dash_bench_{uuid.uuid4().hex[:6]}"
    with database.session() as session:
        values = int(session.scalar(select(func.count()).select_from(MonthlyValue)) or 0)
    bench_admin(database, name, password=PASSWORD)

    stats_ms: dict[str, list[float]] = {}
    for view in the_views:

        def stats_only(view: View = view) -> None:
            with database.session() as session:
                view.stats_calls(session)

        stats_ms[view.key] = timed(stats_only, max(3, runs // 2), warmup=1)

    # ignore_cleanup_errors: the stopped server's last files may still be closing.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        server = Server(url, Path(tmp), via_cli=True, timeout=120)
        try:
            client = httpx.Client(base_url=server.base, timeout=300)
            r = client.post("/dashboard/login", data={"username": name, "password": PASSWORD})
            assert r.status_code in (200, 303), r.text
            server_ms: dict[str, list[float]] = {}
            sizes: dict[str, int] = {}
            for view in the_views:
                body = content_callback(view.path, view.search)

                def call(body: dict[str, Any] = body, key: str = view.key) -> None:
                    # As Dash's renderer sends it: the sign-in's CSRF token, from its cookie.
                    csrf = {"X-CSRFToken": client.cookies.get("_csrf_token") or ""}
                    response = client.post("/dashboard/_dash-update-component", json=body, headers=csrf)
                    assert response.status_code == 200, response.text[:500]
                    assert '"page-error"' not in response.text, response.text[:500]
                    sizes[key] = len(response.content)

                server_ms[view.key] = timed(call, runs, warmup=1)
            browser_ms = (
                browser_times(server.base, name, the_views, browser_runs)
                if browser_runs
                else {v.key: [float("nan")] for v in the_views}
            )
        finally:
            server.stop()
    database.engine.dispose()
    return {
        "dialect": database.dialect,
        "values": values,
        "views": the_views,
        "stats": stats_ms,
        "server": server_ms,
        "browser": browser_ms,
        "sizes": sizes,
    }


# ----------------------------------------------------------------------------- the report


def render(
    results: list[dict[str, Any]], *, started: dt.datetime, load: float, runs: int, browser_runs: int, command: str
) -> str:
    cache_note = (
        "**off** (`QUERY_CACHE=0`): every request draws its page and runs every query."
        if os.environ.get("QUERY_CACHE", "").strip().lower() in ("0", "false", "no", "off")
        else "**on** (the default): after the warm-up run, the statistics results and the kept pages "
        "(`dashboard/page_cache.py`) answer repeated requests on unchanged data; rerun with `QUERY_CACHE=0` "
        "for the cost of drawing a page."
    )
    lines = [
        SECTION,
        "",
        f"Measured {started:%Y-%m-%d %H:%M} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {load:.1f} when the run began "
        "(the machine is shared: read ratios within a run rather than absolute times).",
        "",
        "Reproduce (national data set: `python -m app seed national --years 10`, once per database):",
        "",
        "```",
        command,
        "```",
        "",
        f"Server time: Dash pages' content callback (`POST /dashboard/_dash-update-component`, the page's "
        f"`layout` with every query-layer call and every figure), {runs} runs after a warm-up, one uvicorn "
        f"process. Query layer: the same `app.stats.queries` calls in-process, one after another. Browser: "
        f"headless Chromium, navigation → last chart drawn, {browser_runs} loads (the first fetches the "
        f"scripts). Targets: server p50 ≤ {SERVER_TARGET_MS:.0f} ms for (a) and (b); browser ≤ "
        f"{BROWSER_TARGET_MS / 1000:.0f} s; (issue 15) browser ≤ {CITY_BROWSER_TARGET_MS / 1000:.0f} s for "
        "Tianjin's pages (e) and (f).",
        "",
        f"Caches: {cache_note}",
        "",
        "| database | view | server p50 (ms) | server max (ms) | query layer alone p50 (ms) | response (kB) "
        "| browser p50 (ms) | browser first load (ms) | targets |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        for view in result["views"]:
            server = result["server"][view.key]
            browser = result["browser"][view.key]
            met = ""
            if view.headline:
                ok_server = statistics.median(server) <= SERVER_TARGET_MS
                ok_browser = statistics.median(browser[1:] or browser) <= BROWSER_TARGET_MS
                met = ("server ✅" if ok_server else "server ❌") + " " + ("browser ✅" if ok_browser else "browser ❌")
            elif view.city:
                ok_browser = statistics.median(browser[1:] or browser) <= CITY_BROWSER_TARGET_MS
                met = "browser ≤ 1 s ✅" if ok_browser else "browser ≤ 1 s ❌"
            lines.append(
                f"| {result['dialect']} ({result['values']:,} values) | ({view.key}) {view.title} "
                f"| {statistics.median(server):.0f} | {max(server):.0f} "
                f"| {statistics.median(result['stats'][view.key]):.0f} | {result['sizes'][view.key] / 1024:.0f} "
                f"| {statistics.median(browser[1:] or browser):.0f} | {browser[0]:.0f} | {met} |"
            )
    lines += [
        "",
        "What the numbers say: the dashboard's own work (figures, components, JSON) is the difference between",
        "the server time and the query layer's time; the rest is the query layer. An Overview asks it for",
        "one `annual_totals` (the cards' year on year), one `yearly_totals` (ten years for the trend and",
        "the sparklines), one `monthly_series` and one `derived_ratios`; the Districts page for one",
        "`district_rankings` of ten indicators (the chosen one and the heat map's nine). Totals and",
        "rankings read the yearly summary `yearly_values` (twelve months per row, kept in step by every",
        "writer and checked by tests/test_yearly_summary.py), so a province-year is a few thousand rows.",
        "On PostgreSQL the Overview runs its calls side by side on up to four connections",
        "(`dashboard.data.gather`); on SQLite one after another.",
        "",
        "Before the yearly summary and the one-call rankings (2026-11-22, the same script and data, a",
        "busier machine): server p50 (a) 974 ms SQLite / 782 ms PostgreSQL, (b) 1857 / 949 ms; browser",
        "(b) 4077 / 2180 ms. Both targets were missed then.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", help="SQLite URL of a database seeded with the national data set")
    parser.add_argument("--postgres", help="PostgreSQL URL of a database seeded with the national data set")
    parser.add_argument("--year", type=int, default=dt.date.today().year - 1)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--browser-runs", type=int, default=4)
    parser.add_argument("--no-write", action="store_true", help="print, do not touch BENCHMARKS.md")
    args = parser.parse_args()
    urls = [u for u in (args.sqlite, args.postgres) if u]
    if not urls:
        parser.error("give --sqlite and/or --postgres")
    started, load = dt.datetime.now(), os.getloadavg()[0]
    results = [bench_database(u, runs=args.runs, year=args.year, browser_runs=args.browser_runs) for u in urls]
    shown = " ".join(
        [f"--sqlite {args.sqlite}" if args.sqlite else "", f"--postgres {args.postgres}" if args.postgres else ""]
    ).strip()
    off = os.environ.get("QUERY_CACHE", "").strip().lower() in ("0", "false", "no", "off")
    command = (
        f"{'QUERY_CACHE=0 ' if off else ''}python benchmarks/dashboard_benchmark.py {shown} --year {args.year} "
        f"--runs {args.runs}"
    )
    text = render(results, started=started, load=load, runs=args.runs, browser_runs=args.browser_runs, command=command)
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
