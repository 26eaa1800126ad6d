"""Webhooks end to end against a real local receiver that verifies every signature with the
``standardwebhooks`` package: subscription, fan-out from the feed, retries with one
webhook-id, Retry-After, 410, dead letters and replay, per-customer order, consent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.services import segment_engine, webhooks
from app.store.webhooks import DELIVERED, FAILED, PENDING
from tests.factories import Clock
from tests.support.api import Api
from tests.support.receiver import Receiver

SHORT = (timedelta(seconds=5), timedelta(minutes=5))  # two retries, then a dead letter


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    up = Receiver().up()
    yield up
    up.down()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as http:
        yield http


def _subscribe(api: Api, receiver: Receiver, **body: Any) -> dict[str, Any]:
    created = api.post("/v1/webhooks", {"url": receiver.url, **body})
    assert created.status_code == 201, created.text
    receiver.secret = created.json()["secret"]
    return created.json()


def _order(n: int, email: str, at: str = "2026-05-30T10:00:00Z") -> dict[str, Any]:
    return {
        "id": f"ord-{n}",
        "type": "order.placed",
        "occurred_at": at,
        "source": "eshop",
        "identifiers": [{"kind": "email", "value": email}],
        "data": {"order_id": str(n), "total": 100, "currency": "TWD"},
    }


def _person(api: Api, name: str) -> None:
    body = {
        "id": name,
        "source": "crm",
        "observed_at": "2026-03-01T10:00:00Z",
        "identifiers": [{"kind": "email", "value": f"{name}@mail.com"}],
    }
    assert api.post("/v1/observations", body, "ingest").status_code == 200


def _send(api: Api, client: httpx.Client, schedule: tuple[timedelta, ...] = SHORT) -> int:
    segment_engine.catch_up(api.engine)
    while webhooks.fan_out(api.engine):
        pass
    return webhooks.send_due(api.engine, client, schedule=schedule, jitter=lambda: 0.0)


def _advance(api: Api, seconds: float) -> None:
    clock = api.engine.clock
    assert isinstance(clock, Clock)
    clock.tick(seconds)


def test_subscribing_is_admin_only_validated_and_the_secret_shown_once(api: Api) -> None:
    body = {"url": "http://127.0.0.1:9/x", "types": ["segment.entered", "order.*"]}
    assert api.post("/v1/webhooks", body, "marketing").status_code == 403
    created = api.post("/v1/webhooks", body)
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    listed = api.get("/v1/webhooks").json()["items"]
    assert [w["id"] for w in listed] == [created.json()["id"]] and "secret" not in listed[0]
    assert listed[0]["after_change"] == created.json()["after_change"] >= 0  # where it starts
    bad = [
        ({"url": "ftp://x/y", "types": ["order.*"]}, ["url"]),
        ({"url": "http://h/x", "types": ["order.*", "nope"]}, ["types", 1]),
        ({"url": "http://h/x", "types": ["segment.entered"], "segments": ["seg_x"]},
         ["segments", 0]),
        ({"url": "http://h/x", "types": []}, ["types"]),
    ]  # fmt: skip
    for payload, loc in bad:
        answer = api.post("/v1/webhooks", payload)
        assert answer.status_code == 422 and answer.json()["errors"][0]["loc"] == loc, payload
    gone = api.client.delete(f"/v1/webhooks/{created.json()['id']}", headers=api.headers["admin"])
    assert gone.status_code == 204
    assert api.get(f"/v1/webhooks/{created.json()['id']}/deliveries").status_code == 404


def test_a_receiver_down_then_up_gets_everything_with_one_webhook_id(
    api: Api, receiver: Receiver, client: httpx.Client
) -> None:
    _person(api, "amy")
    seg = api.post("/v1/segments", {"name": "buyers", "condition": {
        "events": {"type": "order.*"}, "count": {"gte": 1}}}, "marketing").json()  # fmt: skip
    hook = _subscribe(api, receiver, types=["segment.entered", "order.*"], segments=[seg["id"]])
    receiver.script = [(500, {})]  # up, but failing once
    api.post("/v1/events", _order(1, "amy@mail.com"), "ingest")
    assert _send(api, client) == 1  # the order; the entry waits behind it (same customer)
    assert [r.status for r in receiver.seen] == [500]
    receiver.down()
    _advance(api, 6)
    assert _send(api, client) == 1  # refused: nobody listens
    _advance(api, 6)
    assert _send(api, client) == 0  # the next try is 5 minutes after the second failure
    receiver.up()
    _advance(api, 301)
    assert _send(api, client) == 1 and _send(api, client) == 1 and _send(api, client) == 0

    got = receiver.accepted()
    assert [r.body["type"] for r in got if r.body] == ["order.placed", "segment.entered"]
    assert all(r.verified for r in receiver.seen)
    first_id = receiver.seen[0].webhook_id
    assert got[0].webhook_id == first_id  # the same id for the failed and the good try
    log = api.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"]
    assert [(d["type"], d["state"]) for d in log] == [
        ("segment.entered", DELIVERED), ("order.placed", DELIVERED)
    ]  # fmt: skip
    assert log[1]["attempts"] == 3 and log[1]["id"] == first_id
    entered = got[1].body
    assert entered and entered["data"]["segment_id"] == seg["id"]
    assert entered["data"]["why"][0]["count"] == 1


def test_retry_after_410_dead_letters_and_replay(
    api: Api, receiver: Receiver, client: httpx.Client
) -> None:
    hook = _subscribe(api, receiver, types=["order.placed"])
    _person(api, "amy")
    receiver.script = [(503, {"Retry-After": "3600"}), (500, {}), (500, {})]
    api.post("/v1/events", _order(1, "amy@mail.com"), "ingest")
    assert _send(api, client) == 1
    pending = webhooks.deliveries(api.engine, hook["id"], limit=5)[0]
    assert pending.state == PENDING and pending.next_at - api.engine.clock() == timedelta(hours=1)
    _advance(api, 3600)
    assert _send(api, client) == 1
    _advance(api, 300)
    assert _send(api, client) == 1
    dead = webhooks.deliveries(api.engine, hook["id"], limit=5)[0]
    assert dead.state == FAILED and dead.attempts == 3 and dead.last_status == 500
    failed = api.get(f"/v1/webhooks/{hook['id']}/deliveries", state="failed").json()["items"]
    assert [d["id"] for d in failed] == [dead.id]

    replayed = api.post(f"/v1/webhooks/{hook['id']}/replay", {})
    assert replayed.json() == {"queued": 1}
    assert _send(api, client) == 1
    assert [r.webhook_id for r in receiver.seen] == [dead.id] * 4
    assert webhooks.deliveries(api.engine, hook["id"], limit=5)[0].state == DELIVERED

    receiver.script = [(410, {})]
    api.post("/v1/events/batch", {"events": [_order(2, "amy@mail.com"), _order(3, "amy@mail.com")]},
             "ingest")  # fmt: skip
    assert _send(api, client) == 1
    endpoint = api.get("/v1/webhooks").json()["items"][0]
    assert endpoint["active"] is False and "410" in endpoint["disabled_reason"]
    states = [d.state for d in webhooks.deliveries(api.engine, hook["id"], limit=5)]
    assert states == [FAILED, FAILED, DELIVERED]
    assert api.post(f"/v1/webhooks/{hook['id']}/replay", {}).json() == {"queued": 2}
    assert _send(api, client) == 1 and _send(api, client) == 1
    assert [r.body["data"]["event_id"] for r in receiver.accepted() if r.body] == [
        "ord-1", "ord-2", "ord-3"
    ]  # fmt: skip
    missing = api.post(f"/v1/webhooks/{hook['id']}/replay", {"deliveries": ["msg_nope"]})
    assert missing.status_code == 404


def test_marketing_endpoints_skip_customers_who_said_no(
    api: Api, receiver: Receiver, client: httpx.Client
) -> None:
    plain = Receiver().up()
    try:
        _subscribe(api, receiver, types=["order.*"], marketing=True)
        created = api.post("/v1/webhooks", {"url": plain.url, "types": ["order.*"]}).json()
        plain.secret = created["secret"]
        _person(api, "amy")
        _person(api, "bob")
        revoked = {"id": "c-1", "type": "consent.revoked", "occurred_at": "2026-04-01T00:00:00Z",
                   "source": "crm", "identifiers": [{"kind": "email", "value": "bob@mail.com"}],
                   "data": {"channel": "email", "purpose": "marketing"}}  # fmt: skip
        api.post("/v1/events", revoked, "ingest")
        orders = [_order(1, "amy@mail.com"), _order(2, "bob@mail.com")]
        api.post("/v1/events/batch", {"events": orders}, "ingest")
        while _send(api, client):
            pass
        marketing = [r.body["data"].get("event_id") for r in receiver.accepted() if r.body]
        everyone = [r.body["data"].get("event_id") for r in plain.accepted() if r.body]
        assert marketing == ["ord-1"]
        assert everyone == ["ord-1", "ord-2"]
    finally:
        plain.down()
