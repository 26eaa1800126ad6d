"""ASGI middleware: request size limit, per-route metrics, and an access log free of values."""

from __future__ import annotations

import logging
import time

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_body
from app.metrics import LATENCY, REQUESTS

access = logging.getLogger("c360.access")


class _TooLarge(Exception):
    pass


class Guard:
    """Refuses bodies over the limit with 413, times every request, logs it by route template.

    The access log names the route template (``/v1/customers/{customer_id}``), never the path
    or query string, so identifier values never reach the logs.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            status = 413
            await self._too_large(send)
            self._record(scope, status, started)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            status = 413
            if not response_started:
                await self._too_large(send)
        finally:
            self._record(scope, status, started)

    async def _too_large(self, send: Send) -> None:
        body = orjson.dumps(
            error_body("payload_too_large", f"the request body is over {self.max_bytes} bytes")
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _record(scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        method = scope.get("method", "")
        REQUESTS.labels(method, route, str(status)).inc()
        LATENCY.labels(method, route).observe(elapsed)
        key = getattr(scope.get("state", {}), "get", lambda _k, _d=None: None)("key_id")
        access.info(
            "%s %s %d %.1fms%s", method, route, status, elapsed * 1000, f" key={key}" if key else ""
        )
