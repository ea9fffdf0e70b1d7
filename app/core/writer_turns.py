"""On SQLite, write requests take turns in the event loop, one at a time per process.

SQLite has one write lock. Before this, every write request waited for it inside a worker thread
(``store.lock_district_months``, up to the busy timeout), and a thread of the API's pool of 40 is
what the request holding the lock still needs after its endpoint returns: FastAPI validates a sync
endpoint's answer in that pool before the request's session commits. Under 50 clients with one
write in five, all 40 threads ended up waiting for the lock that the one request they blocked held:
every write stalled for the whole busy timeout (30 s), then answered 503 (BENCHMARKS.md, "Load").
Waiting here instead holds no thread: a request's turn comes when the one before it has answered,
and reads go by untouched. A turn not come within the database's busy timeout is the same 503 with
Retry-After that a busy SQLite answers. PostgreSQL locks only what a write touches (a district), so
there writes go straight in.

Write requests are the unsafe methods, but the dashboard's callbacks (Dash posts its reads too; its
own writes run in the WSGI bridge's threads, which nothing else waits for).
"""

from __future__ import annotations

import asyncio
import weakref

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.errors import ServiceUnavailable
from app.core.limits import send_problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DASH_CALLBACKS = "/dashboard/_dash-"
RETRY_AFTER = "5"


def is_write(scope: Scope) -> bool:
    path = str(scope.get("root_path", "")) + str(scope.get("path", ""))
    return scope["method"] not in SAFE_METHODS and not path.startswith(DASH_CALLBACKS)


class WriterTurns:
    """ASGI middleware: ``enabled`` on SQLite; ``wait_seconds`` the longest a write waits for its turn."""

    def __init__(self, app: ASGIApp, *, enabled: bool, wait_seconds: float) -> None:
        self.app = app
        self.enabled = enabled
        self.wait_seconds = wait_seconds
        # One queue per event loop: a server has one; tests (TestClient) may run several in one process,
        # and a lock serves only the loop it was made in.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or not is_write(scope):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        try:
            await asyncio.wait_for(lock.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            busy = ServiceUnavailable(
                "数据库正忙，未保存任何数据，请稍后重试",
                "The database is busy; nothing was stored; retry shortly",
                headers={"Retry-After": RETRY_AFTER},
            )
            await send_problem(send, busy, str(scope.get("root_path", "")) + str(scope.get("path", "")))
            return
        try:
            await self.app(scope, receive, send)
        finally:
            lock.release()
