"""The condition language: parsed with located errors, evaluated against a served profile and
events, with the deciding leaf values and the moment time alone can change the answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resolvers.customer360.events import Event
from resolvers.customer360.segments import (
    ConditionError,
    Subject,
    evaluate,
    event_window,
    find_cycle,
    parse_condition,
    reads,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PROFILE: dict[str, Any] = {
    "customer_id": "c1",
    "loyalty": {"tier": "Gold", "points": 1200},
    "rfm": {"segment": "at_risk"},
    "stats": {"revenue": 5400.0, "last_order_at": "2026-02-01T10:00:00+00:00"},
    "interests": [{"category": "kettles", "score": 3}, {"category": "mugs", "score": 1}],
    "attributes": {"vip_code": {"value": "V-12"}},
    "consents": {
        "items": [
            {"channel": "sms", "purpose": "service", "state": "granted", "since": "2026-01-01"},
            {"channel": "any", "purpose": "service", "state": "revoked", "since": "2026-03-01"},
        ],
        "marketing": {"email": {"state": "granted"}, "line": {"state": "unsubscribed"}},
    },
}


def _event(n: int, kind: str, days_ago: float, **data: Any) -> Event:
    at = NOW - timedelta(days=days_ago)
    return Event(f"e{n}", kind, at, "eshop", ("email:a@b.c",), data, "h")


EVENTS = [
    _event(1, "order.placed", 10, total=1000, items=[{"category": "kettles", "quantity": 1}]),
    _event(2, "order.placed", 40, total=3000, items=[{"category": "mugs", "quantity": 2}]),
    _event(3, "order.returned", 5, total=1000),
    _event(4, "marketing.opened", 100, channel="email"),
]
SUBJECT = Subject("c1", PROFILE, EVENTS)


def _in(raw: dict[str, Any], subject: Subject = SUBJECT) -> bool:
    return evaluate(parse_condition(raw), subject, NOW).member


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"profile": "loyalty.tier", "op": "eq", "value": "gold"}, True),
        ({"profile": "loyalty.tier", "op": "ne", "value": "Gold"}, False),
        ({"profile": "loyalty.points", "op": "gte", "value": 1200}, True),
        ({"profile": "loyalty.points", "op": "lt", "value": 1200}, False),
        ({"profile": "rfm.segment", "op": "in", "value": ["at_risk", "hibernating"]}, True),
        ({"profile": "interests.category", "op": "eq", "value": "mugs"}, True),
        ({"profile": "attributes.vip_code.value", "op": "contains", "value": "v-"}, True),
        ({"profile": "attributes.nothing", "op": "exists"}, False),
        ({"profile": "attributes.nothing", "op": "exists", "value": False}, True),
        ({"profile": "stats.last_order_at", "op": "lt", "value": "2026-03-01"}, True),
        ({"profile": "stats.last_order_at", "op": "lt", "value": {"days_ago": 90}}, True),
        ({"profile": "stats.last_order_at", "op": "lt", "value": {"days_ago": 200}}, False),
        ({"events": {"type": "order.placed"}, "count": {"eq": 2}}, True),
        ({"events": {"type": "order.*", "within_days": 30}, "count": {"eq": 2}}, True),
        ({"events": {"type": "order.placed", "within_days": 30}, "count": {"eq": 0}}, False),
        ({"events": {"type": "order.placed", "where": {"category": "kettles"}},
          "count": {"gte": 1}}, True),
        ({"events": {"type": "order.placed", "where": {"total": {"gt": 2000}}},
          "count": {"eq": 1}}, True),
        ({"events": {"type": "order.placed", "where": {"category": {"in": ["tv"]}}},
          "count": {"eq": 0}}, True),
        ({"events": {"type": "order.placed"}, "sum": "total", "gte": 4000}, True),
        ({"events": {"type": "order.placed"}, "max": "total", "eq": 3000}, True),
        ({"events": {"type": "order.placed"}, "min": "total", "eq": 1000}, True),
        ({"events": {"type": "web.viewed"}, "max": "total", "gte": 0}, False),
        ({"events": {"type": "order.placed"}, "sum": "items.quantity", "eq": 3}, True),
        ({"events": {"type": "order.placed", "since": "2026-04-01T00:00:00Z",
                     "until": "2026-05-01T00:00:00Z"}, "count": {"eq": 1}}, True),
        ({"events": {"type": "marketing.opened", "within_days": 90}, "count": {"eq": 0}}, True),
        ({"consent": {"channel": "email", "purpose": "marketing"}, "is": "granted"}, True),
        ({"consent": {"channel": "line"}, "is": "revoked"}, True),
        ({"consent": {"channel": "sms"}, "is": "unknown"}, True),
        ({"consent": {"channel": "sms", "purpose": "service"}, "is": "revoked"}, True),
        ({"consent": {"channel": "post", "purpose": "profiling"}, "is": "unknown"}, True),
        ({"not": {"profile": "loyalty.tier", "op": "eq", "value": "Gold"}}, False),
        ({"any": [{"profile": "loyalty.tier", "op": "eq", "value": "Silver"},
                  {"events": {"type": "order.returned"}, "count": {"gte": 1}}]}, True),
        ({"all": [{"profile": "loyalty.tier", "op": "eq", "value": "Gold"},
                  {"events": {"type": "order.returned"}, "count": {"gte": 2}}]}, False),
    ],
)  # fmt: skip
def test_leaves_and_trees(raw: dict[str, Any], expected: bool) -> None:
    assert _in(raw) is expected


def test_why_names_the_deciding_leaves() -> None:
    raw = {
        "any": [
            {"profile": "loyalty.tier", "op": "eq", "value": "Silver"},
            {"events": {"type": "order.placed", "within_days": 30}, "count": {"gte": 1}},
        ]
    }
    verdict = evaluate(parse_condition(raw), SUBJECT, NOW)
    assert verdict.member
    assert verdict.why == [
        {"events": "order.placed", "count": 1, "latest": "2026-05-22T00:00:00+00:00"}
    ]
    lost = evaluate(parse_condition({"all": raw["any"]}), SUBJECT, NOW)
    assert not lost.member
    assert lost.why == [{"profile": "loyalty.tier", "op": "eq", "value": "Gold"}]


def test_a_rolling_window_says_when_it_expires() -> None:
    raw = {"events": {"type": "order.placed", "within_days": 30}, "count": {"gte": 1}}
    verdict = evaluate(parse_condition(raw), SUBJECT, NOW)
    assert verdict.member and verdict.recheck_at == NOW + timedelta(days=20)
    later = evaluate(parse_condition(raw), SUBJECT, NOW + timedelta(days=20))
    assert not later.member and later.recheck_at is None
    fixed = {"events": {"type": "order.placed"}, "count": {"gte": 1}}
    assert evaluate(parse_condition(fixed), SUBJECT, NOW).recheck_at is None


def test_nested_segments_and_cycles() -> None:
    gold = parse_condition({"profile": "loyalty.tier", "op": "eq", "value": "Gold"})
    outer = parse_condition({"all": [{"segment": "seg_gold"}, {"not": {"segment": "seg_x"}}]})
    known = {"seg_gold": gold, "seg_outer": outer}
    verdict = evaluate(outer, SUBJECT, NOW, known)
    assert verdict.member
    assert {"segment": "seg_gold", "member": True} in verdict.why
    assert find_cycle(known, "seg_outer") is None
    loop = {**known, "seg_gold": parse_condition({"segment": "seg_outer"})}
    assert find_cycle(loop, "seg_outer") == ["seg_outer", "seg_gold", "seg_outer"]
    # a cycle stored anyway evaluates as not a member instead of recursing forever
    assert not evaluate(loop["seg_gold"], SUBJECT, NOW, loop).member


def test_what_a_condition_reads() -> None:
    raw = {
        "all": [
            {"segment": "seg_a"},
            {"events": {"type": "order.*", "within_days": 30}, "count": {"gte": 1}},
        ]
    }
    known = {
        "seg_a": parse_condition(
            {
                "events": {"type": "booking.no_show", "since": "2026-01-01T00:00:00Z"},
                "count": {"gte": 1},
            }
        )
    }
    found = reads(parse_condition(raw), known)
    assert found.event_types == {"order.*", "booking.no_show"} and found.time and not found.profile
    types, start = event_window(parse_condition(raw), known, NOW)
    assert types == ("booking.no_show", "order.*") and start == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "loc"),
    [
        ([], ("condition",)),
        ({"all": [], "x": 1}, ("condition", "x")),
        ({"any": "no"}, ("condition", "any")),
        ({"all": [{"profile": ""}]}, ("condition", "all", 0, "profile")),
        ({"profile": "a..b", "op": "eq", "value": 1}, ("condition", "profile")),
        ({"profile": "a", "op": "eq"}, ("condition", "value")),
        ({"profile": "a", "op": "in", "value": 1}, ("condition", "value")),
        ({"profile": "a", "op": "exists", "value": 1}, ("condition", "value")),
        ({"profile": "a", "op": "lt", "value": {"weeks": 1}}, ("condition", "value")),
        ({"events": "order"}, ("condition", "events")),
        ({"events": {"type": "order*"}, "count": {"eq": 0}}, ("condition", "events", "type")),
        ({"events": {"type": 3}, "count": {"eq": 0}}, ("condition", "events")),
        ({"events": {"type": "o", "where": []}, "count": {"eq": 0}},
         ("condition", "events", "where")),
        ({"events": {"type": "o", "where": {"a": {"like": 1}}}, "count": {"eq": 0}},
         ("condition", "events", "where", "a", "like")),
        ({"events": {"type": "o", "since": "yesterday"}, "count": {"eq": 0}},
         ("condition", "events", "since")),
        ({"events": {"type": "o", "since": "2026-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"},
          "count": {"eq": 0}}, ("condition", "events", "until")),
        ({"events": {"type": "o", "within_days": 3, "since": "2026-01-01T00:00:00Z"},
          "count": {"eq": 0}}, ("condition", "events")),
        ({"events": {"type": "o"}}, ("condition",)),
        ({"events": {"type": "o"}, "count": 3}, ("condition", "count")),
        ({"events": {"type": "o"}, "count": {"gte": "2"}}, ("condition", "count", "gte")),
        ({"events": {"type": "o"}, "count": {}}, ("condition", "count")),
        ({"events": {"type": "o"}, "sum": {"gte": 2}}, ("condition", "sum")),
        ({"consent": "email", "is": "granted"}, ("condition", "consent")),
        ({"consent": {"channel": 1}, "is": "granted"}, ("condition", "consent", "channel")),
        ({"segment": "gold"}, ("condition", "segment")),
        ({"weird": 1}, ("condition", "weird")),
    ],
)  # fmt: skip
def test_errors_name_the_faulty_part(raw: Any, loc: tuple[Any, ...]) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(raw)
    assert caught.value.loc == loc


def test_nesting_is_bounded() -> None:
    raw: dict[str, Any] = {"profile": "a", "op": "exists"}
    for _ in range(20):
        raw = {"not": raw}
    with pytest.raises(ConditionError, match="nest"):
        parse_condition(raw)
