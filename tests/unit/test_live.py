"""Which customer a live stream follows, what it sends, and searching customers by what is known."""

from __future__ import annotations

from datetime import UTC, datetime

from app.services.search import search_customers
from app.services.stewardship import merge_customers
from app.services.stitching import stitch
from resolvers.customer360.feed import (
    CUSTOMER_MERGED,
    CUSTOMER_UPDATED,
    Change,
    ChangeRecord,
    Topic,
)
from resolvers.customer360.live import Watch, stream_event
from tests.factories import engine as build_engine
from tests.factories import obs

AT = datetime(2026, 3, 1, 10, tzinfo=UTC)


def _record(seq: int, topic: Topic, *ids: str, **data: object) -> ChangeRecord:
    kind = CUSTOMER_MERGED if topic is Topic.MERGED else CUSTOMER_UPDATED
    return ChangeRecord(seq, Change(kind, topic, AT, ids, {"customer_id": ids[0], **data}))


def test_a_watch_follows_the_survivor_of_a_merge_and_keeps_its_old_ids() -> None:
    watch = Watch.of("c_old", "c_old")
    merged = _record(7, Topic.MERGED, "c_new", "c_old", absorbed=["c_old"])
    assert watch.concerns(merged)
    after = watch.after(merged)
    assert after.customer_id == "c_new" and after.ids == {"c_old", "c_new"}
    event = stream_event(after, merged)
    assert (event.id, event.event) == ("7", "merged")
    assert event.data["customer_id"] == "c_new"
    assert event.data["at"] == "2026-03-01T10:00:00Z"
    assert event.data["data"]["absorbed"] == ["c_old"]


def test_a_watch_ignores_changes_of_others_and_stays_on_a_survivor() -> None:
    watch = Watch.of("c_a", "c_a")
    assert not watch.concerns(_record(1, Topic.PROFILE, "c_b"))
    assert watch.after(_record(1, Topic.PROFILE, "c_b")) == watch
    absorbs_other = _record(2, Topic.MERGED, "c_a", "c_b", absorbed=["c_b"])
    assert watch.after(absorbs_other).customer_id == "c_a"
    elsewhere = _record(3, Topic.MERGED, "c_x", "c_y")
    assert watch.after(elsewhere) == watch


def test_search_reads_ids_identifier_keys_and_bare_values() -> None:
    engine = build_engine()
    stitch(engine, [obs("o1", ("email", "amy@mail.com"), ("crm_id", "C9"))], "crm")
    stitch(engine, [obs("o2", ("phone", "0912000111"), hours=24)], "crm")
    amy = search_customers(engine, "AMY@mail.com")[0]
    assert (amy.matched, amy.key) == ("email", "email:amy@mail.com")
    assert search_customers(engine, "crm_id:C9")[0].customer_id == amy.customer_id
    phone = search_customers(engine, "+886 912-000-111")[0]
    assert phone.customer_id != amy.customer_id and phone.matched == "phone"
    assert search_customers(engine, "unknown:thing") == []
    assert search_customers(engine, "nobody@nowhere.net") == []
    merge_customers(engine, [amy.customer_id, phone.customer_id], "same person", "steward")
    by_old_id = search_customers(engine, phone.customer_id)
    assert len(by_old_id) == 1 and by_old_id[0].matched == "customer_id"
    assert by_old_id[0].customer_id == amy.customer_id
    assert search_customers(engine, "c_aaaaaaaaaaaaaaaa") == []
