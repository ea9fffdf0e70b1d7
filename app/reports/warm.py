"""Warm what the first DOCX report would otherwise pay for: importing matplotlib and python-docx,
matplotlib's font list (the CJK font looked up), a chart drawn once, python-docx's template parsed.
Measured: the first DOCX of a new server took about 2 s, the next ones about 0.2 s.

Run once per process, in a background thread when the server starts, so that neither the start nor
the first report waits for it."""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)
_started = threading.Lock()
_done = threading.Event()


def warm_reports() -> None:
    """Import and exercise the report renderers once (idempotent, thread-safe)."""
    if not _started.acquire(blocking=False):
        _done.wait()
        return
    started = time.perf_counter()
    try:
        from docx import Document

        from app.reports.docx import chart_font, chart_png
        from app.reports.schemas import ChartData

        chart_font()
        months: list[float | None] = [float(m) for m in range(12)]
        chart_png(
            ChartData(
                indicator="x", label="检查", unit="家次", year=2025, values=months, previous_year=2024, previous=months
            )
        )
        Document()
        log.info("report renderers warmed in %.2f s", time.perf_counter() - started)
    except Exception:  # a warm-up never breaks the server; the first report then pays as before
        log.exception("warming the report renderers failed")
    finally:
        _done.set()


def warm_in_background() -> threading.Thread:
    thread = threading.Thread(target=warm_reports, name="warm-reports", daemon=True)
    thread.start()
    return thread
