"""A real webhook receiver on 127.0.0.1: verifies every delivery with ``standardwebhooks``.

It answers from a script of statuses (then 204), can be taken down and brought back up on
the same port, and records what it accepted in arrival order.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    """One POST as the receiver saw it."""

    webhook_id: str
    status: int
    body: dict[str, Any] | None
    verified: bool
    at: float = 0.0  # time.perf_counter() on arrival


@dataclass
class Receiver:
    """A local HTTP endpoint; ``url`` stays the same across ``down()`` and ``up()``."""

    secret: str = ""
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    seen: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.seen if 200 <= r.status < 300]

    def up(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = dict(self.headers.items())
                try:
                    parsed = Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    parsed, verified = None, False
                with receiver._lock:
                    status, extra = receiver.script.pop(0) if receiver.script else (204, {})
                    if not verified:
                        status = 400
                    receiver.seen.append(
                        Received(
                            headers.get("webhook-id", ""),
                            status,
                            parsed,
                            verified,
                            time.perf_counter(),
                        )
                    )
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
