"""The 360 profile of Jane (tests/unit/conftest.py), every figure computed by hand."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from resolvers.customer360.events import Event, EventAggregate
from resolvers.customer360.profile import assemble_profile
from resolvers.customer360.rfm import rfm, segment
from tests.factories import wire


def test_sections_come_in_a_fixed_order(jane: dict[str, Any]) -> None:
    assert list(jane) == [
        "customer_id", "as_of", "identity", "attributes", "consents", "stats", "rfm", "loyalty",
        "cart", "wishlist", "interests", "service", "engagement", "custom_events",
    ]  # fmt: skip
    assert jane["as_of"] == "2026-06-01T00:00:00Z"


def test_identity(jane: dict[str, Any]) -> None:
    identity = jane["identity"]
    assert list(identity["identifiers"]) == ["crm_id", "email", "phone"]
    assert identity["identifiers"]["email"] == [
        {
            "key": "email:jane@x.com",
            "value": "jane@x.com",
            "first_seen_at": "2025-12-01T00:00:00Z",
            "last_seen_at": "2026-05-20T00:00:00Z",
        }
    ]
    # the 2024 warranty registration is the oldest trace; Mar. 30 the newest event
    assert identity["first_seen_at"] == "2024-01-02T09:00:00Z"
    assert identity["last_seen_at"] == "2026-05-30T11:00:00Z"
    sources = {s["source"]: s["last_seen_at"] for s in identity["sources"]}
    assert list(sources) == sorted(sources)
    assert sources["crm"] == "2026-03-01T00:00:00Z"  # observations saw it later than events
    assert sources["eshop"] == "2026-05-01T09:00:00Z"  # events saw it later than observations
    assert sources["pos"] == "2026-05-29T11:00:00Z"
    assert set(sources) == {
        "app", "booking", "crm", "eshop", "inbox", "loyalty", "mailer", "pos", "warranty", "web",
    }  # fmt: skip


def test_attributes_carry_their_provenance(jane: dict[str, Any]) -> None:
    assert jane["attributes"]["first_name"] == {
        "value": "Jane",
        "source": "crm",
        "observed_at": "2025-11-01T00:00:00Z",
        "observation_id": "o1",
        "rule": "most_recent",
        "alternatives": 0,
    }
    assert list(jane["attributes"]) == ["first_name", "last_name"]


def test_order_figures(jane: dict[str, Any], jane_events: list[Event]) -> None:
    stats = jane["stats"]
    # O1 1,280; O2 30 USD = 960 less a 15 USD (480) refund; O3 1,000; O4 500 returned whole
    assert stats["orders"] == 4
    assert stats["orders_completed"] == 2
    assert stats["revenue"] == 2760.0
    assert stats["returns"] == 2
    assert stats["refunded"] == 980.0
    assert stats["average_order_value"] == 920.0  # 2,760 over the 3 orders that kept revenue
    assert stats["first_order_at"] == "2026-01-10T10:00:00Z"
    assert stats["last_order_at"] == "2026-05-22T12:00:00Z"
    assert stats["last_activity_at"] == "2026-05-30T11:00:00Z"
    assert stats["currency"] == "TWD"
    assert stats["events"] == len(jane_events)
    assert stats["activity_by_family"]["sales"] == {
        "first_at": "2026-01-10T10:00:00Z",
        "last_at": "2026-05-23T12:00:00Z",
    }


def test_rfm(jane: dict[str, Any]) -> None:
    # 9.5 days since O4 (R 5), 3 orders (F 3), 2,760 TWD (M 2): recent, a few orders
    assert jane["rfm"] == {
        "recency_days": 9,
        "frequency": 3,
        "monetary": 2760.0,
        "scores": {"r": 5, "f": 3, "m": 2},
        "segment": "potential_loyalist",
    }


def test_loyalty(jane: dict[str, Any]) -> None:
    loyalty = jane["loyalty"]
    # the latest reported balance (400 after redeeming 100) wins over earned - redeemed (450)
    assert loyalty["points_balance"] == 400
    assert (loyalty["points_earned"], loyalty["points_redeemed"]) == (550, 100)
    assert loyalty["balance_reported_at"] == "2026-05-20T12:00:00Z"
    assert (loyalty["tier"], loyalty["tier_since"]) == ("Gold", "2026-04-21T09:00:00Z")
    # V-B's date passed yesterday, V-C was redeemed, V-D expired; V-E lasts until noon
    assert loyalty["active_vouchers"] == [
        {
            "voucher_id": "V-A",
            "value": 100,
            "currency": "TWD",
            "value_account": 100.0,
            "expires_at": "2026-12-31",
            "description": "Birthday",
            "issued_at": "2026-05-01T00:00:00Z",
        },
        {
            "voucher_id": "V-E",
            "value": 5,
            "currency": "USD",
            "value_account": 160.0,
            "expires_at": "2026-06-01T12:00:00Z",
            "description": None,
            "issued_at": "2026-05-15T00:00:00Z",
        },
    ]
    assert loyalty["eligible"] is True


def test_cart_and_wishlist(jane: dict[str, Any]) -> None:
    assert jane["cart"] == {
        "cart_id": "K9",
        "items": [{"sku": "L-1", "category": "lamps", "quantity": 1, "unit_price": 2000}],
        "total": 2000,
        "currency": "TWD",
        "total_account": 2000.0,
        "updated_at": "2026-05-26T10:00:00Z",
        "abandoned": True,
    }
    assert jane["wishlist"] == [
        {"sku": "L-1", "name": "Desk lamp", "category": "lamps", "added_at": "2026-05-24T08:06:00Z"}
    ]


def test_interests_rank_spend_then_views(jane: dict[str, Any]) -> None:
    assert jane["interests"] == [
        {"category": "kettles", "spend": 1280.0, "quantity": 1, "views": 1},
        {"category": "mugs", "spend": 1000.0, "quantity": 4, "views": 2},
        {"category": "tea", "spend": 480.0, "quantity": 1, "views": 0},
        {"category": "lamps", "spend": 0.0, "quantity": 0, "views": 3},
    ]


def test_products_and_claims(jane: dict[str, Any]) -> None:
    service = jane["service"]
    owned = {p["serial"]: p["warranty"] for p in service["products_owned"]}
    assert owned == {"S2": "unknown", "S1": "active", "S0": "expired"}
    assert [p["serial"] for p in service["products_owned"]] == ["S2", "S1", "S0"]
    assert service["open_claims"] == [
        {
            "claim_id": "CL1",
            "status": "in repair",
            "serial": "S1",
            "issue": "leaks",
            "opened_at": "2026-05-02T09:00:00Z",
            "updated_at": "2026-05-05T09:00:00Z",
        }
    ]
    assert service["closed_claims"] == 1


def test_bookings_and_attendance(jane: dict[str, Any]) -> None:
    service = jane["service"]
    assert service["upcoming_bookings"] == [
        {
            "booking_id": "B1",
            "service": "haircut",
            "scheduled_at": "2026-06-05T06:00:00Z",
            "location": "Xinyi",
            "staff": None,
            "status": "booked",
        },
        {
            "booking_id": "B6",
            "service": "colour",
            "scheduled_at": "2026-06-10T02:00:00Z",
            "location": None,
            "staff": None,
            "status": "rescheduled",
        },
    ]
    # B2, B5 attended; B3 missed; B7's date passed with no news; B4 was cancelled
    assert service["past_bookings"] == 4
    assert service["attendance"] == {"attended": 2, "no_show": 1, "cancelled": 1, "rate": 0.67}


def test_conversations(jane: dict[str, Any]) -> None:
    service = jane["service"]
    assert [c["conversation_id"] for c in service["recent_conversations"]] == ["V2", "V1", "V3"]
    assert service["recent_conversations"][1] == {
        "conversation_id": "V1",
        "channel": "line",
        "topic": "delivery",
        "sentiment": "neutral",  # closing it settled the mood
        "outcome": "resolved",
        "summary": "Parcel late",
        "state": "closed",
        "at": "2026-05-04T09:00:00Z",
    }
    assert service["conversation_topics"] == [
        {"topic": "delivery", "count": 2},
        {"topic": "refund", "count": 1},
    ]
    assert service["sentiment"] == {"positive": 1, "neutral": 1, "negative": 1, "mixed": 0}


def test_engagement(jane: dict[str, Any]) -> None:
    assert jane["engagement"] == {
        "sent": 2,
        "opens": 3,
        "clicks": 2,
        "conversions": 1,
        "bounces": 1,
        "unsubscribes": 1,
        "conversion_value": 320.0,
        "unsubscribed_channels": ["sms"],
        "preferred_channel": "line",  # 2 opens + 1 click beat e-mail's 1 + 1
        "channel_engagement": {"email": 2, "line": 3},
        "last_engaged_at": "2026-05-09T03:00:00Z",
    }


def test_consents_and_who_may_be_contacted(jane: dict[str, Any]) -> None:
    consents = jane["consents"]
    assert [(c["channel"], c["purpose"], c["state"]) for c in consents["items"]] == [
        ("any", "marketing", "granted"),
        ("email", "marketing", "revoked"),
        ("line", "service", "granted"),
        ("push", "any", "revoked"),
        ("sms", "marketing", "granted"),
        ("whatsapp", "marketing", "granted"),
    ]
    assert consents["items"][1] == {
        "channel": "email",
        "purpose": "marketing",
        "state": "revoked",
        "since": "2026-05-01T00:00:00Z",
        "source": "eshop",
    }
    # e-mail revoked after the blanket grant, SMS unsubscribed after its grant, push revoked
    # for any purpose; the rest ride on the blanket grant of Jan. 1
    assert consents["can_contact"] == {
        "email": False,
        "sms": False,
        "line": True,
        "whatsapp": True,
        "messenger": True,
        "push": False,
        "phone": True,
        "post": True,
    }
    assert consents["marketing"]["sms"] == {
        "state": "unsubscribed",
        "since": "2026-05-05T01:00:00Z",
        "source": "mailer",
    }
    assert consents["marketing"]["whatsapp"]["since"] == "2026-05-06T00:00:00Z"


def test_custom_events(jane: dict[str, Any]) -> None:
    assert jane["custom_events"] == {"custom.store_visit": 2, "custom.survey.completed": 1}


def test_the_profile_does_not_depend_on_arrival_order_or_anchors(
    jane: dict[str, Any],
    jane_events: list[Event],
    jane_identifiers: list[Any],
    now: datetime,
) -> None:
    shuffled = list(jane_events)
    random.Random(7).shuffle(shuffled)
    aggregates = [EventAggregate() for _ in range(5)]
    for n, event in enumerate(shuffled):
        aggregates[n % 5].fold(event)
    again = assemble_profile(
        "cus_jane",
        jane_identifiers,
        {},
        EventAggregate.combine(aggregates[::-1]),
        now=now,
        account_currency="TWD",
        sources={
            "crm": datetime(2026, 3, 1, tzinfo=UTC),
            "eshop": datetime(2026, 4, 1, tzinfo=UTC),
        },
    )
    assert {**wire(again), "attributes": jane["attributes"]} == jane
    assert orjson.dumps(jane)  # JSON-ready as it is


def test_a_cart_followed_by_an_order_is_checked_out(
    jane_events: list[Event], now: datetime
) -> None:
    aggregate = EventAggregate()
    for event in jane_events:
        aggregate.fold(event)
    checkout = Event(
        "p9", "order.placed", datetime(2026, 5, 26, 10, tzinfo=UTC), "web", (),
        {"order_id": "O9"}, "",
    )  # fmt: skip
    aggregate.fold(checkout)
    profile = wire(assemble_profile("c", [], {}, aggregate, now=now, account_currency="TWD"))
    assert profile["cart"] is None


def test_an_empty_customer_has_null_figures(now: datetime) -> None:
    profile = wire(assemble_profile("c", [], {}, EventAggregate(), now=now, account_currency="TWD"))
    assert profile["stats"]["average_order_value"] is None
    assert profile["stats"]["last_activity_at"] is None
    assert profile["rfm"]["segment"] == "prospect" and profile["rfm"]["scores"] is None
    assert profile["loyalty"]["eligible"] is False
    assert profile["engagement"]["preferred_channel"] is None
    assert profile["service"]["attendance"]["rate"] is None
    assert not any(profile["consents"]["can_contact"].values())
    assert profile["identity"]["first_seen_at"] is None


def test_a_marketing_grant_after_an_unsubscribe_resubscribes(now: datetime) -> None:
    events = [
        Event("u", "marketing.unsubscribed", datetime(2026, 5, 1, tzinfo=UTC), "mailer", (),
              {"campaign_id": "c", "channel": "sms"}, ""),
        Event("g", "consent.granted", datetime(2026, 5, 2, tzinfo=UTC), "crm", (),
              {"channel": "sms", "purpose": "any"}, ""),
    ]  # fmt: skip
    aggregate = EventAggregate()
    for event in events:
        aggregate.fold(event)
    profile = wire(assemble_profile("c", [], {}, aggregate, now=now, account_currency="TWD"))
    assert profile["consents"]["can_contact"]["sms"] is True
    assert profile["engagement"]["unsubscribed_channels"] == []


# -- RFM thresholds and segments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "frequency", "monetary", "scores", "name"),
    [
        (30, 10, 50_000, (5, 5, 5), "champions"),
        (31, 5, 20_000, (4, 4, 4), "champions"),
        (10, 6, 19_999, (5, 4, 3), "loyal"),
        (100, 5, 60_000, (3, 4, 5), "loyal"),
        (5, 1, 900, (5, 1, 1), "new"),
        (120, 2, 8_000, (3, 2, 3), "potential_loyalist"),
        (120, 1, 8_000, (3, 1, 3), "hibernating"),
        (200, 1, 2_000, (2, 1, 2), "hibernating"),
        (365, 7, 30_000, (2, 4, 4), "at_risk"),
        (400, 3, 10_000, (1, 3, 3), "at_risk"),
        (400, 2, 10_000, (1, 2, 3), "lost"),
    ],
)
def test_rfm_scores_and_segments(
    days: int, frequency: int, monetary: float, scores: tuple[int, int, int], name: str
) -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    found = rfm(now - timedelta(days=days, hours=3), frequency, monetary, now)
    assert found["scores"] == dict(zip("rfm", scores, strict=True))
    assert found["segment"] == name
    assert segment(*scores) == name
