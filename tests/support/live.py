"""A real HTTP server in a thread (uvicorn over ``create_app``) and a live-stream listener."""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import uvicorn
from fastapi import FastAPI
from httpx_sse import ServerSentEvent, connect_sse


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free loopback port until the block ends; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Listener:
    """Reads one live stream in a thread; events arrive on ``events`` with their arrival time."""

    url: str
    headers: dict[str, str]
    events: queue.Queue[tuple[float, ServerSentEvent]] = field(default_factory=queue.Queue)
    status: int | None = None
    opened: threading.Event = field(default_factory=threading.Event)
    _client: httpx.Client | None = None
    _thread: threading.Thread | None = None

    def start(self) -> Listener:
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=30))
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self.opened.wait(10):
            raise RuntimeError("the stream did not answer")
        return self

    def _run(self) -> None:
        assert self._client is not None
        try:
            with connect_sse(self._client, "GET", self.url, headers=self.headers) as source:
                self.status = source.response.status_code
                self.opened.set()
                if self.status != 200:
                    return
                for event in source.iter_sse():
                    if event.data:  # the greeting carries only a comment and a retry hint
                        self.events.put((time.monotonic(), event))
        except (httpx.HTTPError, RuntimeError):
            pass  # closed by stop()
        finally:
            self.opened.set()

    def next(self, timeout: float = 5.0) -> tuple[float, ServerSentEvent]:
        """The next event with data (heartbeats and the greeting are comments)."""
        return self.events.get(timeout=timeout)

    def take(self, count: int, timeout: float = 5.0) -> list[ServerSentEvent]:
        return [self.next(timeout)[1] for _ in range(count)]

    def quiet(self, seconds: float) -> bool:
        """Whether nothing arrives for ``seconds``."""
        try:
            self.events.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
