"""GET /v1/customers/{id}/stream against a real server: latency, resume, merges, the cap."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.api.main import create_app
from app.engine import Engine
from app.services.keys import create_key
from app.settings import Settings
from app.store.sqlite.store import SqliteStore
from tests.factories import engine as build_engine
from tests.support.live import Listener, serve


@dataclass
class Live:
    url: str
    headers: dict[str, str]
    reader: dict[str, str]
    engine: Engine

    def observe(self, record_id: str, *identifiers: tuple[str, str], at: str) -> str:
        body = {
            "id": record_id,
            "source": "crm",
            "observed_at": at,
            "identifiers": [{"kind": k, "value": v} for k, v in identifiers],
        }
        answer = httpx.post(f"{self.url}/v1/observations", json=body, headers=self.headers)
        assert answer.status_code == 200, answer.text
        customer_id: str = answer.json()["customer_id"]
        return customer_id

    def order(self, order_id: str, kind: str, value: str) -> None:
        body = {
            "id": f"ord-{order_id}",
            "type": "order.placed",
            "occurred_at": "2026-03-02T08:00:00Z",
            "source": "eshop",
            "identifiers": [{"kind": kind, "value": value}],
            "data": {"order_id": order_id, "total": 100, "currency": "TWD"},
        }
        answer = httpx.post(f"{self.url}/v1/events", json=body, headers=self.headers)
        assert answer.status_code == 200, answer.text

    def listen(self, customer_id: str, last_event_id: str | None = None) -> Listener:
        headers = dict(self.reader)
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        return Listener(f"{self.url}/v1/customers/{customer_id}/stream", headers).start()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    engine = build_engine(SqliteStore(str(tmp_path / "c360.db")))
    settings = Settings(stream_max_open=2, stream_poll_s=0.1, stream_ping_s=0.3)
    admin = create_key(engine, "admin", ["admin"]).secret
    reader = create_key(engine, "reader", ["read"]).secret
    with serve(create_app(settings, engine=engine)) as url:
        yield Live(
            url, {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {reader}"}, engine
        )
    engine.store.close()  # the app closes only the engines it builds


def _data(event: object) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(event.data)  # type: ignore[attr-defined]
    return loaded


def test_an_event_posted_is_received_within_a_second(live: Live) -> None:
    customer = live.observe("o1", ("email", "amy@mail.com"), at="2026-03-01T10:00:00Z")
    listener = live.listen(customer)
    try:
        assert listener.status == 200
        posted = time.monotonic()
        live.order("1", "email", "amy@mail.com")
        arrived, event = listener.next()
        assert arrived - posted < 1.0
        assert event.event == "timeline"
        data = _data(event)
        assert data["type"] == "order.placed" and data["customer_id"] == customer
        assert data["data"]["event_id"] == "ord-1"  # type: ignore[index]
        assert event.id == str(data["seq"])
        live.observe("o2", ("email", "amy@mail.com"), ("crm_id", "C1"), at="2026-03-02T10:00:00Z")
        assert listener.next()[1].event == "profile"
    finally:
        listener.stop()


def test_a_dropped_connection_resumes_without_loss_or_repeats(live: Live) -> None:
    customer = live.observe("o1", ("email", "amy@mail.com"), at="2026-03-01T10:00:00Z")
    first = live.listen(customer)
    live.order("1", "email", "amy@mail.com")
    live.order("2", "email", "amy@mail.com")
    seen = first.take(2)
    first.stop()
    live.order("3", "email", "amy@mail.com")  # while nobody listens
    live.order("4", "email", "amy@mail.com")
    again = live.listen(customer, last_event_id=seen[-1].id)
    try:
        resumed = again.take(2)
        assert again.quiet(0.5)
        orders = [_data(e)["data"]["event_id"] for e in [*seen, *resumed]]  # type: ignore[index]
        assert orders == ["ord-1", "ord-2", "ord-3", "ord-4"]
        ids = [int(e.id) for e in [*seen, *resumed]]
        assert ids == sorted(set(ids))
    finally:
        again.stop()


def test_a_merge_moves_a_watcher_to_the_survivor(live: Live) -> None:
    amy = live.observe("o1", ("email", "amy@mail.com"), at="2026-03-01T10:00:00Z")
    phone = live.observe("o2", ("phone", "0912000111"), at="2026-03-02T10:00:00Z")
    watcher = live.listen(phone)
    try:
        live.observe(
            "o3", ("email", "amy@mail.com"), ("phone", "0912000111"), at="2026-03-03T10:00:00Z"
        )
        merged = watcher.next()[1]
        assert merged.event == "merged"
        assert _data(merged)["customer_id"] == amy
        assert _data(merged)["data"]["absorbed"] == [phone]  # type: ignore[index]
        assert watcher.next()[1].event == "profile"  # the survivor's record, o3
        live.order("9", "email", "amy@mail.com")  # an identifier that was never the phone's
        followed = watcher.next()[1]
        assert followed.event == "timeline" and _data(followed)["customer_id"] == amy
    finally:
        watcher.stop()
    late = live.listen(phone)  # an absorbed id asked for later follows its survivor
    try:
        live.order("10", "phone", "0912000111")
        assert _data(late.next()[1])["customer_id"] == amy
    finally:
        late.stop()


def test_the_cap_on_open_streams_holds_and_frees_up(live: Live) -> None:
    customer = live.observe("o1", ("email", "amy@mail.com"), at="2026-03-01T10:00:00Z")
    url = f"{live.url}/v1/customers/{customer}/stream"
    first, second = live.listen(customer), live.listen(customer)
    try:
        assert first.status == second.status == 200
        refused = httpx.get(url, headers=live.reader)
        assert refused.status_code == 503
        assert refused.json()["code"] == "too_many_streams"
        assert refused.headers["retry-after"]
    finally:
        first.stop()
    deadline = time.monotonic() + 5
    while True:  # the server notices the dropped connection and gives its slot back
        third = live.listen(customer)
        if third.status == 200 or time.monotonic() > deadline:
            break
        third.stop()
        time.sleep(0.1)
    try:
        assert third.status == 200
    finally:
        third.stop()
        second.stop()


def test_idle_streams_carry_heartbeats(live: Live) -> None:
    customer = live.observe("o1", ("email", "amy@mail.com"), at="2026-03-01T10:00:00Z")
    url = f"{live.url}/v1/customers/{customer}/stream"
    with httpx.stream("GET", url, headers=live.reader, timeout=5) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        comments = []
        for line in response.iter_lines():
            if line.startswith(":"):
                comments.append(line)
            if len(comments) == 3:
                break
    assert comments[0] == f": following {customer}"
    assert all(c.startswith(": ping") for c in comments[1:])


def test_stream_errors_are_answered_before_streaming(live: Live) -> None:
    customer = live.observe("o1", ("email", "amy@mail.com"), at="2026-03-01T10:00:00Z")
    url = f"{live.url}/v1/customers/{customer}/stream"
    assert httpx.get(url).status_code == 401
    unknown = httpx.get(f"{live.url}/v1/customers/c_aaaaaaaaaaaaaaaa/stream", headers=live.reader)
    assert unknown.status_code == 404
    bad = httpx.get(url, headers={**live.reader, "Last-Event-ID": "yesterday"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["header", "last-event-id"]


def test_resuming_from_before_the_kept_feed_says_reset_then_goes_on(live: Live) -> None:
    customer = live.observe("o1", ("email", "amy@mail.com"), at="2026-03-01T10:00:00Z")
    first = live.listen(customer)
    live.order("1", "email", "amy@mail.com")
    seen = first.take(1)
    first.stop()
    live.order("2", "email", "amy@mail.com")  # while nobody listens
    live.order("3", "email", "amy@mail.com")
    # retention pruned everything but the newest change (the feed numbers on from it)
    store = live.engine.store
    newest = store.read(lambda tx: tx.last_change())
    far = datetime(2100, 1, 1, tzinfo=UTC)
    assert store.write(lambda tx: tx.prune_changes(newest - 1, far, 1000)) > 0
    again = live.listen(customer, last_event_id=seen[-1].id)
    try:
        reset, *rest = again.take(2)
        assert reset.event == "reset" and int(reset.id) == newest - 1
        assert _data(reset)["customer_id"] == customer
        assert [e.id for e in rest] == [str(newest)]
        assert _data(rest[0])["data"]["event_id"] == "ord-3"  # type: ignore[index]
        live.order("4", "email", "amy@mail.com")  # and it goes on live
        assert _data(again.take(1)[0])["data"]["event_id"] == "ord-4"  # type: ignore[index]
    finally:
        again.stop()
    # a stream resuming from a place still kept gets no reset
    kept = live.listen(customer, last_event_id=str(newest))
    try:
        assert _data(kept.take(1)[0])["data"]["event_id"] == "ord-4"  # type: ignore[index]
    finally:
        kept.stop()


def test_a_split_is_announced_and_the_watcher_stays_on_its_customer(live: Live) -> None:
    amy = live.observe(
        "o1", ("email", "amy@mail.com"), ("phone", "0912000111"), at="2026-03-01T10:00:00Z"
    )
    watcher = live.listen(amy)
    try:
        cut = {
            "a": {"kind": "email", "value": "amy@mail.com"},
            "b": {"kind": "phone", "value": "0912000111"},
            "reason": "two people",
        }
        answer = httpx.post(f"{live.url}/v1/links/suppress", json=cut, headers=live.headers)
        assert answer.status_code == 200, answer.text
        events = {e.event: _data(e) for e in watcher.take(2)}
        assert set(events) == {"split", "profile"}
        assert events["split"]["customer_id"] == amy
        assert amy in events["split"]["data"]["parts"]  # type: ignore[operator]
        assert events["profile"]["data"]["action"] == "suppress_link"  # type: ignore[index]
    finally:
        watcher.stop()
