"""On SQLite, write requests take turns in the event loop (app/core/writer_turns.py): a waiting write
holds no worker thread, reads and the dashboard's callbacks go by, a turn not come in time is a 503."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from app.core.writer_turns import WriterTurns


def run_alone(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """``asyncio.run(main())`` in a thread of its own: the test's thread may have a loop running."""
    failed: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # re-raised in the test's thread
            failed.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    if failed:
        raise failed[0]


def scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def test_writes_take_turns_reads_do_not_wait_and_a_late_turn_is_a_503() -> None:
    async def run() -> None:
        inside: list[str] = []
        release = asyncio.Event()

        async def app(scope: Any, receive: Any, send: Any) -> None:
            inside.append(scope["path"])
            if scope["path"] == "/api/v1/uploads":  # the first write: holds its turn until released
                await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})

        turns = WriterTurns(app, enabled=True, wait_seconds=0.5)
        sent: dict[str, list[Any]] = {}

        def call(method: str, path: str) -> asyncio.Task[None]:
            messages: list[Any] = sent.setdefault(path, [])

            async def send(message: Any) -> None:
                messages.append(message)

            async def receive() -> Any:
                return {"type": "http.request", "body": b""}

            return asyncio.ensure_future(turns(scope(method, path), receive, send))

        first = call("POST", "/api/v1/uploads")
        await asyncio.sleep(0.05)
        second = call("PATCH", "/api/v1/districts/120102/months/2025-06")
        read = call("GET", "/api/v1/stats/totals")
        dash = call("POST", "/dashboard/_dash-update-component")
        await asyncio.wait_for(asyncio.gather(read, dash), 1)
        assert "/api/v1/districts/120102/months/2025-06" not in inside  # waiting for its turn
        await asyncio.sleep(0.6)  # past wait_seconds: the waiting write answers 503, nothing done
        assert second.done()
        start = sent["/api/v1/districts/120102/months/2025-06"][0]
        assert start["status"] == 503 and (b"retry-after", b"5") in start["headers"]
        body = json.loads(sent["/api/v1/districts/120102/months/2025-06"][1]["body"])
        assert body["type"].endswith("/service-unavailable") and body["detail_en"]
        assert "/api/v1/districts/120102/months/2025-06" not in inside
        # The next write gets its turn as soon as the first has answered.
        third = call("PATCH", "/api/v1/districts/120103/months/2025-06")
        await asyncio.sleep(0.05)
        assert "/api/v1/districts/120103/months/2025-06" not in inside
        release.set()
        await asyncio.wait_for(asyncio.gather(first, third), 1)
        assert sent["/api/v1/districts/120103/months/2025-06"][0]["status"] == 200

    run_alone(run)


def test_on_postgresql_writes_go_straight_in() -> None:
    async def run() -> None:
        entered = 0
        gate = asyncio.Event()

        async def app(scope: Any, receive: Any, send: Any) -> None:
            nonlocal entered
            entered += 1
            await gate.wait()

        turns = WriterTurns(app, enabled=False, wait_seconds=0.1)
        tasks = [asyncio.ensure_future(turns(scope("PATCH", f"/api/v1/x/{i}"), None, None)) for i in range(3)]  # type: ignore[arg-type]
        await asyncio.sleep(0.05)
        assert entered == 3
        gate.set()
        await asyncio.gather(*tasks)

    run_alone(run)


def test_each_event_loop_has_its_own_turns() -> None:
    """Two loops in one process (two test clients): neither uses the other's lock."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})

    turns = WriterTurns(app, enabled=True, wait_seconds=0.5)

    async def one() -> None:
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message)

        await turns(scope("PUT", "/api/v1/x"), None, send)  # type: ignore[arg-type]
        assert sent[0]["status"] == 200

    run_alone(one)
    run_alone(one)
