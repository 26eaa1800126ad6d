"""The six product use cases of docs/segments.md, read from the doc as written, built from
events of several sources and checked against hand-computed members, on every store —
including across a merge and a split."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.engine import Engine
from app.services import segment_engine, segments
from app.services.events import record_events
from app.services.stewardship import suppress_link
from app.services.stitching import stitch
from app.store.protocol import Store
from resolvers.customer360.events import RawEvent
from tests.factories import NOW, customer_of, engine_for, ident, obs

DOC = Path(__file__).resolve().parents[2] / "docs" / "segments.md"


def examples() -> dict[str, Any]:
    """Each '### heading' of the use-case section with the JSON block under it."""
    text = DOC.read_text(encoding="utf-8").split("## The product's use cases", 1)[1]
    found = re.findall(r"^### (.+?)\n.*?```json\n(.*?)```", text, flags=re.S | re.M)
    return {title.strip(): json.loads(body) for title, body in found}


EXAMPLES = examples()
PEOPLE = ("ann", "ben", "cid", "dee")


class Feed:
    """Events for people by name, each from its own channel, at days relative to NOW."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.n = 0

    def __call__(self, who: str, kind: str, days: float, source: str, **data: Any) -> None:
        self.n += 1
        at = NOW + timedelta(days=days)
        event = RawEvent(
            f"{source}-{self.n}", kind, at, source, [ident("email", f"{who}@mail.com")], data
        )
        record_events(self.engine, [event], source)


def _order(feed: Feed, who: str, days: float, category: str = "pots") -> None:
    item = {"sku": f"S-{feed.n}", "category": category, "quantity": 1, "unit_price": 900}
    feed(who, "order.placed", days, "eshop", order_id=f"o{feed.n}", total=900,
         currency="TWD", items=[item])  # fmt: skip


def _build(store: Store) -> tuple[Engine, dict[str, str]]:
    engine = engine_for(store)
    for name in PEOPLE:
        stitch(engine, [obs(f"crm-{name}", ("email", f"{name}@mail.com"))], "crm")
    ids = {name: customer_of(engine, "email", f"{name}@mail.com") or "" for name in PEOPLE}
    return engine, ids


def _members(engine: Engine, title: str) -> set[str]:
    segment_engine.catch_up(engine)
    sid = next(s.id for s in segments.list_segments(engine) if s.name == title)
    page, _ = segments.members(engine, sid, after="", limit=100)
    return {m.customer_id for m in page}


def test_the_doc_has_the_six_use_cases() -> None:
    assert list(EXAMPLES) == [
        "RFM win-back with a voucher",
        "Category interest for remarketing",
        "Warranty expiring in 60 days",
        "Booking no-shows",
        "High support demand",
        "Fatigue suppression",
    ]


@pytest.fixture
def built(store: Store) -> tuple[Engine, dict[str, str], Feed]:
    engine, ids = _build(store)
    for title, condition in EXAMPLES.items():
        segments.create_segment(engine, title, condition)
    return engine, ids, Feed(engine)


def test_rfm_win_back(built: tuple[Engine, dict[str, str], Feed]) -> None:
    engine, ids, feed = built
    for who in ("ann", "ben", "cid"):
        _order(feed, who, -210)
        _order(feed, who, -200)  # two orders, 200 days ago: at_risk
    for who in ("ann", "ben", "dee"):
        feed(who, "consent.granted", -300, "crm", channel="email", purpose="marketing")
    feed("ben", "loyalty.voucher_issued", -10, "pos", voucher_id="v1", value=100, currency="TWD")
    _order(feed, "dee", -3)
    _order(feed, "dee", -2)  # recent: not slipping away
    assert _members(engine, "RFM win-back with a voucher") == {ids["ann"]}
    feed("ann", "loyalty.voucher_issued", 0, "pos", voucher_id="v2", value=100, currency="TWD")
    assert _members(engine, "RFM win-back with a voucher") == set()


def test_category_interest(built: tuple[Engine, dict[str, str], Feed]) -> None:
    engine, ids, feed = built
    for who, views in (("ann", 2), ("ben", 2), ("cid", 1)):
        for _ in range(views):
            feed(who, "web.product_viewed", -5, "web", sku="K-1", category="kettles")
    feed("dee", "web.product_viewed", -5, "web", sku="M-1", category="mugs")
    feed("dee", "web.product_viewed", -4, "web", sku="M-1", category="mugs")
    _order(feed, "ben", -3, "kettles")
    assert _members(engine, "Category interest for remarketing") == {ids["ann"]}


def test_warranty_expiring(built: tuple[Engine, dict[str, str], Feed]) -> None:
    engine, ids, feed = built
    for who, days in (("ann", 30), ("ben", 100), ("cid", -10)):
        expires = (NOW + timedelta(days=days)).date().isoformat()
        feed(who, "warranty.registered", -300, "warranty", serial=f"SN-{who}", model="K1",
             expires_at=expires)  # fmt: skip
    assert _members(engine, "Warranty expiring in 60 days") == {ids["ann"]}


def test_booking_no_shows(built: tuple[Engine, dict[str, str], Feed]) -> None:
    engine, ids, feed = built
    for who, days in (("ann", -10), ("ann", -100), ("ben", -10), ("cid", -10), ("cid", -200)):
        feed(who, "booking.no_show", days, "booking", booking_id=f"b-{feed.n}")
    assert _members(engine, "Booking no-shows") == {ids["ann"]}


def test_high_support_demand_across_a_merge_and_a_split(
    built: tuple[Engine, dict[str, str], Feed],
) -> None:
    engine, ids, feed = built
    for who, n in (("ann", 3), ("cid", 2), ("dee", 1)):
        for _ in range(n):
            feed(
                who, "conversation.opened", -2, "line", conversation_id=f"c{feed.n}", channel="line"
            )
    for _ in range(2):
        feed("ben", "warranty.claim_opened", -20, "warranty", claim_id=f"w{feed.n}")
    title = "High support demand"
    assert _members(engine, title) == {ids["ann"], ids["ben"]}

    # cid and dee turn out to be one person: 2 + 1 conversations make 3
    stitch(
        engine, [obs("link", ("email", "cid@mail.com"), ("email", "dee@mail.com"), hours=1)], "t"
    )
    merged = customer_of(engine, "email", "cid@mail.com")
    assert merged == customer_of(engine, "email", "dee@mail.com")
    assert _members(engine, title) == {ids["ann"], ids["ben"], merged}

    # a steward cuts them apart again: neither part has enough
    suppress_link(
        engine, ident("email", "cid@mail.com"), ident("email", "dee@mail.com"), "two", "st"
    )
    assert _members(engine, title) == {ids["ann"], ids["ben"]}
    assert segments.recompute(engine, None, cause={"type": "refresh"}).delta.history == []


def test_fatigue_suppression_and_time(built: tuple[Engine, dict[str, str], Feed]) -> None:
    engine, ids, feed = built
    for who, sent in (("ann", 3), ("ben", 3), ("cid", 2)):
        for _ in range(sent):
            feed(who, "marketing.sent", -30, "mail", campaign_id=f"m{feed.n}", channel="email")
    feed("ben", "marketing.opened", -29, "mail", campaign_id="m1", channel="email")
    assert _members(engine, "Fatigue suppression") == {ids["ann"]}
    # 61 days on, the sends have left the 90-day window: ann leaves with no new event
    clock = {"now": NOW + timedelta(days=61)}
    engine.clock = lambda: clock["now"]
    assert _members(engine, "Fatigue suppression") == set()
