"""A real ``c360 serve`` in a subprocess on a free loopback port, over a temporary store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e


@dataclass
class Server:
    """A running service: its base URL, an admin key and the environment it runs with."""

    url: str
    key: str
    env: dict[str, str]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def c360(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the command line as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("C360_")}
    env.update(
        C360_STORE_URL=f"sqlite:///{tmp / 'c360.db'}",
        C360_DEFAULT_REGION="TW",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


@contextmanager
def serving(tmp: Path, workers: int = 2) -> Iterator[Server]:
    """``c360 serve`` over a fresh store in ``tmp``, with an admin key, until the block ends."""
    env = environment(tmp)
    created = c360(env, "keys", "create", "--name", "e2e", "--scopes", "admin")
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    # The log goes to a file: an unread pipe fills up and blocks the server mid-request.
    log_path = tmp / "serve.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text()
                raise RuntimeError(f"c360 serve did not start:\n{output[-3000:]}")
            time.sleep(0.2)
        yield Server(url, key, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with serving(tmp_path) as running:
        yield running
