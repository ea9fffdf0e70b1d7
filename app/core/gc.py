"""Pausing Python's cyclic garbage collector around work that builds many small objects.

Parsing a 100,000-row file and writing its figures make hundreds of thousands of lists and tuples,
none of them in a reference cycle. Each allocation burst triggers collections that walk the whole,
growing heap again and again: measured on the upload benchmark, collection was over half of the time
spent reading a CSV. Reference counting still frees everything; only the cycle detector waits until
the work is done. Nested and concurrent pauses are counted, so the collector resumes when the last
one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth
    with _lock:
        # Off already by someone else's choice (and not by us): leave it as it is.
        counted = _depth > 0 or gc.isenabled()
        if counted:
            if _depth == 0:
                gc.disable()
            _depth += 1
    try:
        yield
    finally:
        if counted:
            with _lock:
                _depth -= 1
                if _depth == 0:
                    gc.enable()


def freeze_start_heap() -> None:
    """Move every object alive now (the imported modules, the app, its routes and pages) out of the
    cycle collector's view for good (``gc.freeze``): they live as long as the process, yet each full
    collection walked all of them — a few hundred megabytes of pandas, plotly and Dash — whenever
    requests had allocated enough. Called once a server process has built its app."""
    gc.collect()
    gc.freeze()
