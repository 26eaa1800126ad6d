"""End to end: kill -9 of ``c360 serve`` between the commit of an event and its webhook
delivery, and the delivery still happens after a restart (the outbox is in the store)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.receiver import Receiver
from tests.support.serve import c360, environment, free_port

pytestmark = pytest.mark.e2e


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: kill -9 reaches every worker
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"c360 serve did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def _kill(process: subprocess.Popen[str], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    process.wait(timeout=30)


def _until(check: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_a_delivery_survives_kill_9_between_commit_and_delivery(tmp_path: Path) -> None:
    env = environment(tmp_path)
    env["C360_WEBHOOK_RETRY_SCALE"] = "0.001"  # 5 ms, 0.3 s, 1.8 s… instead of 5 s, 5 min…
    key = c360(env, "keys", "create", "--name", "e2e", "--scopes", "admin").stdout.split()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    port, hook_port = free_port(), free_port()
    receiver = Receiver(port=hook_port)  # not listening yet: nothing can be delivered
    log = tmp_path / "serve.log"
    process = _serve(env, port, log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as api:
            condition = {"events": {"type": "order.*"}, "count": {"gte": 1}}
            seg = api.post("/v1/segments", json={"name": "buyers", "condition": condition}).json()
            hook = api.post(
                "/v1/webhooks", json={"url": receiver.url, "types": ["segment.entered", "order.*"]}
            ).json()
            receiver.secret = hook["secret"]
            person = {
                "id": "o1",
                "source": "crm",
                "observed_at": "2026-03-01T10:00:00Z",
                "identifiers": [{"kind": "email", "value": "amy@mail.com"}],
            }
            customer = api.post("/v1/observations", json=person).json()["customer_id"]
            order = {
                "id": "ord-1",
                "type": "order.placed",
                "occurred_at": "2026-05-30T10:00:00Z",
                "source": "eshop",
                "identifiers": [{"kind": "email", "value": "amy@mail.com"}],
                "data": {"order_id": "1", "total": 100, "currency": "TWD"},
            }
            assert api.post("/v1/events", json=order).status_code == 200
            # the order is committed and acknowledged, the receiver is down: kill -9 now
            _until(
                lambda: bool(api.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"]), 10
            )
        _kill(process, signal.SIGKILL)

        receiver.up()
        process = _serve(env, port, log)

        def delivered() -> bool:
            types = sorted(r.body["type"] for r in receiver.accepted() if r.body)
            return types == ["order.placed", "segment.entered"]

        assert _until(delivered, 60), (receiver.seen, log.read_text()[-2000:])
        assert all(r.verified for r in receiver.seen)
        ids = {r.webhook_id for r in receiver.accepted()}
        assert len(ids) == 2
        entered = next(
            r.body for r in receiver.accepted() if r.body and "segment" in r.body["type"]
        )
        assert entered is not None
        assert entered["data"]["customer_id"] == customer
        assert entered["data"]["segment_id"] == seg["id"]
        time.sleep(1)  # nothing is sent twice once it was acknowledged
        assert len(receiver.accepted()) == 2
    finally:
        _kill(process, signal.SIGTERM)
        receiver.down()


def test_c360_follow_keeps_segments_current_beside_the_api(tmp_path: Path) -> None:
    from app.engine import build_engine
    from app.services import segments
    from app.services.events import record_events
    from app.settings import Settings
    from resolvers.customer360.events import RawEvent
    from resolvers.identity.observations import RawIdentifier

    env = environment(tmp_path)
    settings = Settings(store_url=env["C360_STORE_URL"], default_region="TW")
    engine = build_engine(settings)
    try:
        condition = {"events": {"type": "order.*"}, "count": {"gte": 1}}
        seg = segments.create_segment(engine, "buyers", condition)
        follow = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "follow"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            data = {"order_id": "1", "total": 100, "currency": "TWD"}
            who = [RawIdentifier("email", "amy@mail.com")]
            at = engine.clock()
            record_events(engine, [RawEvent("o1", "order.placed", at, "shop", who, data)], "t")
            assert _until(lambda: bool(segments.members(engine, seg.id, after="", limit=5)[0]))
        finally:
            follow.send_signal(signal.SIGTERM)
            out, _ = follow.communicate(timeout=30)
        assert follow.returncode == 0, out
        assert "following the change feed" in out
    finally:
        engine.store.close()
