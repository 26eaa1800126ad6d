"""ASGI middleware: request size limit and read timeout, per-route metrics, a value-free log."""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import INTERNAL_ERROR, error_body
from app.metrics import LATENCY, REQUESTS

access = logging.getLogger("c360.access")
log = logging.getLogger("c360.api")


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Guard:
    """Reads each body whole before the app sees it, times every request, logs it by route.

    A body over the limit is refused with 413 whether it declared its length or came chunked;
    a body that stops arriving for ``body_timeout_s`` is refused with 408, so a stalled upload
    holds no connection and no worker. The access log names the route template
    (``/v1/customers/{customer_id}``), never the path or query string, so identifier values
    never reach the logs.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, body_timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        try:
            body = await self._read_body(scope, receive)
        except _Refused as refused:
            await self._refuse(send, refused)
            self._record(scope, refused.status, started)
            return
        replayed = False
        response_started = False

        async def buffered_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def watched_send(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
            await send(message)

        try:
            await self.app(scope, buffered_receive, watched_send)
        except Exception:
            status = 500
            log.exception("unhandled error on %s %s", scope.get("method", ""), _route_of(scope))
            if not response_started:
                await self._send(send, 500, INTERNAL_ERROR)
        finally:
            self._record(scope, status, started)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        """The whole body, or _Refused: over the limit (413), stalled or cut off (408)."""
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise _Refused(413, "payload_too_large", self._too_large_text)
        chunks: list[bytes] = []
        received = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout_s)
            except TimeoutError:
                raise _Refused(
                    408,
                    "request_timeout",
                    f"the request body stopped arriving for {self.body_timeout_s:g} s",
                ) from None
            if message["type"] == "http.disconnect":
                raise _Refused(408, "request_timeout", "the client left before its body was read")
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                raise _Refused(413, "payload_too_large", self._too_large_text)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @property
    def _too_large_text(self) -> str:
        return f"the request body is over {self.max_bytes:,} bytes"

    async def _refuse(self, send: Send, refused: _Refused) -> None:
        await self._send(send, refused.status, error_body(refused.code, refused.message))

    @staticmethod
    async def _send(send: Send, status: int, document: dict[str, object]) -> None:
        body = orjson.dumps(document)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _record(scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = _route_of(scope)
        method = scope.get("method", "")
        REQUESTS.labels(method, route, str(status)).inc()
        LATENCY.labels(method, route).observe(elapsed)
        key = getattr(scope.get("state", {}), "get", lambda _k, _d=None: None)("key_id")
        access.info(
            "%s %s %d %.1fms%s", method, route, status, elapsed * 1000, f" key={key}" if key else ""
        )


def _route_of(scope: Scope) -> str:
    """The route template a request matched ("unmatched" before routing or for a 404)."""
    return getattr(scope.get("route"), "path", None) or "unmatched"
