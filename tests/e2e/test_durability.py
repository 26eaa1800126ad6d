"""End to end, one process each: kill -9 loses nothing acknowledged, a stalled upload is cut
off, and ``--workers`` leaves no metrics directory behind (issue 9)."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.serve import c360, environment, free_port

pytestmark = pytest.mark.e2e


@contextmanager
def serving(
    tmp: Path, *args: str, **env_extra: str
) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """``c360 serve`` with these arguments: its URL, an admin key and the process."""
    env = {**environment(tmp), "TMPDIR": str(tmp), **env_extra}
    key = c360(env, "keys", "create", "--name", "e2e", "--scopes", "admin").stdout.split()[-1]
    port = free_port()
    log = (tmp / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *args],
        env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        yield url, key, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def test_kill_9_loses_nothing_acknowledged_under_the_durable_default(tmp_path: Path) -> None:
    acknowledged: list[str] = []
    with serving(tmp_path) as (url, key, process):
        stop = threading.Event()

        def post() -> None:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
                for n in range(100_000):
                    if stop.is_set():
                        return
                    body = {
                        "id": f"k-{n}", "source": "crm", "observed_at": "2026-03-01T10:00:00Z",
                        "identifiers": [{"kind": "email", "value": f"k{n}@shop.tw"},
                                        {"kind": "crm_id", "value": f"C{n // 2}"}],
                    }  # fmt: skip
                    try:
                        response = client.post("/v1/observations", json=body, timeout=10)
                    except httpx.HTTPError:
                        return
                    if response.status_code == 200:
                        acknowledged.append(body["id"])

        writer = threading.Thread(target=post)
        writer.start()
        while len(acknowledged) < 50:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
        writer.join()
    with closing(sqlite3.connect(tmp_path / "c360.db")) as conn:
        stored = {row[0] for row in conn.execute("SELECT id FROM observations")}
    assert set(acknowledged) <= stored
    verify = c360(environment(tmp_path), "verify", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_stalled_upload_is_answered_408_and_closed(tmp_path: Path) -> None:
    with serving(tmp_path, C360_BODY_TIMEOUT_S="1") as (url, key, _):
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/observations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Authorization: Bearer " + key.encode() + b"\r\nContent-Length: 100\r\n\r\n{"
            )
            started = time.monotonic()
            answer = b""
            while chunk := sock.recv(4096):  # the server closes the connection after answering
                answer += chunk
            assert time.monotonic() - started < 8
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"request_timeout" in answer


def test_workers_leave_no_metrics_directory_behind(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as (url, _, _):
        assert httpx.get(f"{url}/metrics").status_code == 200
        assert list(tmp_path.glob("c360-metrics-*"))
    assert not list(tmp_path.glob("c360-metrics-*"))
