"""Driving an ASGI app by hand: a request body sent chunk by chunk, counting how much of it the
server pulled before it answered (what a client on a slow line would have had to send)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio


@dataclass
class Answer:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks_pulled: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Any,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    chunks: Iterator[bytes] | None = None,
    query: str = "",
) -> Answer:
    """One request to ``app``; ``chunks`` are handed over only as the app asks for them."""
    answer = Answer()
    body = chunks if chunks is not None else iter(())
    pending: list[bytes | None] = [next(body, None)]
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if done:
            await anyio.sleep_forever()  # as a server does: nothing more until the client leaves
        chunk = pending.pop()
        nxt = next(body, None)
        pending.append(nxt)
        done = nxt is None
        if chunk is not None:
            answer.chunks_pulled += 1
        return {"type": "http.request", "body": chunk or b"", "more_body": not done}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "testserver", **(headers or {})}.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def run() -> None:
        await app(scope, receive, send)

    anyio.run(run)
    return answer


def megabytes(n: int, fill: bytes = b" ") -> Iterator[bytes]:
    """``n`` chunks of 1 MB, made one at a time (never all in memory)."""
    block = fill * (1024 * 1024)
    for _ in range(n):
        yield block
