"""A hand-built customer, Jane, with events of every family; her figures are computed by hand
in test_profile.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from resolvers.customer360.events import Event, EventAggregate, RawEvent, make_event, validate_event
from resolvers.customer360.profile import assemble_profile
from resolvers.customer360.survivorship import AttributeEvidence, survive
from resolvers.identity.evidence import IdentifierState
from resolvers.identity.policy import Survivorship
from tests.factories import wire

NOW = datetime(2026, 6, 1, tzinfo=UTC)
RATES = {"USD": 32.0}
ANCHORS = ("email:jane@x.com", "phone:+886912345678")


def at(text: str) -> datetime:
    """A UTC time from a short ISO string (``2026-05-01T09:00``)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _items(sku: str, category: str, quantity: int, unit_price: float) -> list[dict[str, Any]]:
    return [{"sku": sku, "category": category, "quantity": quantity, "unit_price": unit_price}]


TWD = {"currency": "TWD"}
USD = {"currency": "USD"}
LAMP = _items("L-1", "lamps", 1, 2000)

# (id, type, time, data, source)
JANE: list[tuple[str, str, str, dict[str, Any], str]] = [
    # sales
    ("p1", "order.placed", "2026-01-10T10:00", {"order_id": "O1", "total": 1280, **TWD,
        "items": _items("K-1", "Kettles", 1, 1280)}, "eshop"),
    ("c1", "order.completed", "2026-01-11T10:00", {"order_id": "O1"}, "eshop"),
    ("p2", "order.placed", "2026-04-20T09:00", {"order_id": "O2", "total": 30, **USD,
        "items": _items("T-1", "tea", 2, 15)}, "eshop"),
    ("c2", "order.completed", "2026-04-21T09:00", {"order_id": "O2", "total": 30, **USD}, "eshop"),
    ("r2", "order.returned", "2026-05-01T09:00", {"order_id": "O2", "total": 15, **USD,
        "items": _items("T-1", "tea", 1, 15)}, "eshop"),
    ("p3", "order.placed", "2026-05-20T12:00", {"order_id": "O3", "total": 1000, **TWD,
        "items": _items("M-1", "mugs", 4, 250)}, "pos"),
    ("p4", "order.placed", "2026-05-22T12:00", {"order_id": "O4", "total": 500, **TWD}, "pos"),
    ("r4", "order.returned", "2026-05-23T12:00", {"order_id": "O4"}, "pos"),
    # behaviour
    ("w1", "web.product_viewed", "2026-05-01T08:00", {"sku": "K-1", "category": "kettles"}, "web"),
    ("w2", "web.product_viewed", "2026-05-02T08:00", {"sku": "M-1", "category": "mugs"}, "web"),
    ("w3", "web.product_viewed", "2026-05-03T08:00", {"sku": "M-2", "category": "mugs"}, "web"),
    ("w4", "web.product_viewed", "2026-05-24T08:00", {"sku": "L-1", "category": "lamps"}, "web"),
    ("w5", "web.product_viewed", "2026-05-24T08:05", {"sku": "L-1", "category": "Lamps"}, "web"),
    ("w6", "web.product_viewed", "2026-05-24T08:10", {"sku": "L-2", "category": "lamps"}, "web"),
    ("w7", "web.searched", "2026-05-24T07:55", {"query": "desk lamp"}, "web"),
    ("k1", "cart.updated", "2026-05-25T10:00", {"cart_id": "K9", "items": LAMP, "total": 2000,
        **TWD}, "web"),
    ("k2", "cart.abandoned", "2026-05-26T10:00", {"cart_id": "K9", "items": LAMP, "total": 2000,
        **TWD}, "web"),
    ("h1", "wishlist.added", "2026-05-24T08:06", {"sku": "L-1", "name": "Desk lamp",
        "category": "lamps"}, "web"),
    ("h2", "wishlist.added", "2026-05-10T08:00", {"sku": "K-9", "name": "Kettle XL"}, "web"),
    ("h3", "wishlist.removed", "2026-05-12T08:00", {"sku": "K-9"}, "web"),
    # warranty
    ("g1", "warranty.registered", "2026-01-12T09:00", {"serial": "S1", "model": "KT-2",
        "product": "Kettle Pro", "category": "kettles", "purchased_at": "2026-01-10",
        "expires_at": "2027-01-10"}, "warranty"),
    ("g0", "warranty.registered", "2024-01-02T09:00", {"serial": "S0", "model": "OLD-1",
        "expires_at": "2025-12-31"}, "warranty"),
    ("g2", "warranty.registered", "2026-02-01T09:00", {"serial": "S2", "model": "MUG-W"},
        "warranty"),
    ("q1", "warranty.claim_opened", "2026-05-02T09:00", {"claim_id": "CL1", "serial": "S1",
        "issue": "leaks"}, "warranty"),
    ("q2", "warranty.claim_updated", "2026-05-05T09:00", {"claim_id": "CL1",
        "status": "in repair"}, "warranty"),
    ("q3", "warranty.claim_opened", "2026-03-01T09:00", {"claim_id": "CL2", "serial": "S0"},
        "warranty"),
    ("q4", "warranty.claim_closed", "2026-03-10T09:00", {"claim_id": "CL2",
        "resolution": "replaced"}, "warranty"),
    # bookings
    ("b1", "booking.booked", "2026-05-01T09:00", {"booking_id": "B1", "service": "haircut",
        "scheduled_at": "2026-06-05T14:00:00+08:00", "location": "Xinyi"}, "booking"),
    ("b2", "booking.booked", "2026-04-01T09:00", {"booking_id": "B2",
        "scheduled_at": "2026-04-10T06:00:00Z"}, "booking"),
    ("b2a", "booking.attended", "2026-04-10T07:00", {"booking_id": "B2"}, "booking"),
    ("b3", "booking.booked", "2026-04-15T09:00", {"booking_id": "B3",
        "scheduled_at": "2026-04-20T06:00:00Z"}, "booking"),
    ("b3n", "booking.no_show", "2026-04-20T08:00", {"booking_id": "B3"}, "booking"),
    ("b4", "booking.booked", "2026-03-01T09:00", {"booking_id": "B4",
        "scheduled_at": "2026-03-05T06:00:00Z"}, "booking"),
    ("b4c", "booking.cancelled", "2026-03-02T09:00", {"booking_id": "B4"}, "booking"),
    ("b5", "booking.booked", "2026-02-01T09:00", {"booking_id": "B5",
        "scheduled_at": "2026-02-05T06:00:00Z"}, "booking"),
    ("b5a", "booking.attended", "2026-02-05T07:00", {"booking_id": "B5"}, "booking"),
    ("b6", "booking.booked", "2026-05-09T09:00", {"booking_id": "B6", "service": "colour",
        "scheduled_at": "2026-06-02T02:00:00Z"}, "booking"),
    ("b6r", "booking.rescheduled", "2026-05-10T09:00", {"booking_id": "B6",
        "scheduled_at": "2026-06-10T02:00:00Z"}, "booking"),
    ("b7", "booking.booked", "2026-05-01T10:00", {"booking_id": "B7",
        "scheduled_at": "2026-05-15T06:00:00Z"}, "booking"),
    # conversations
    ("v1", "conversation.opened", "2026-05-03T09:00", {"conversation_id": "V1",
        "channel": "LINE", "topic": "delivery", "sentiment": "negative",
        "summary": "Parcel late"}, "inbox"),
    ("v1c", "conversation.closed", "2026-05-04T09:00", {"conversation_id": "V1",
        "channel": "line", "outcome": "resolved", "sentiment": "neutral"}, "inbox"),
    ("v2", "conversation.opened", "2026-05-28T09:00", {"conversation_id": "V2",
        "channel": "whatsapp", "topic": "delivery", "sentiment": "negative",
        "summary": "Box arrived damaged"}, "inbox"),
    ("v3", "conversation.closed", "2026-04-01T09:00", {"conversation_id": "V3",
        "channel": "email", "topic": "refund", "sentiment": "positive"}, "inbox"),
    # loyalty
    ("l1", "loyalty.points_earned", "2026-01-11T10:00", {"points": 300, "balance_after": 300},
        "loyalty"),
    ("l2", "loyalty.points_earned", "2026-04-21T09:00", {"points": 200, "balance_after": 500},
        "loyalty"),
    ("l3", "loyalty.points_redeemed", "2026-05-20T12:00", {"points": 100, "balance_after": 400},
        "loyalty"),
    ("l4", "loyalty.points_earned", "2026-05-21T12:00", {"points": 50}, "loyalty"),
    ("t1", "loyalty.tier_changed", "2026-01-11T10:00", {"tier": "Silver"}, "loyalty"),
    ("t2", "loyalty.tier_changed", "2026-04-21T09:00", {"tier": "Gold",
        "previous_tier": "Silver"}, "loyalty"),
    ("va", "loyalty.voucher_issued", "2026-05-01T00:00", {"voucher_id": "V-A", "value": 100,
        **TWD, "expires_at": "2026-12-31", "description": "Birthday"}, "loyalty"),
    ("vb", "loyalty.voucher_issued", "2026-03-01T00:00", {"voucher_id": "V-B", "value": 50,
        **TWD, "expires_at": "2026-05-31"}, "loyalty"),
    ("vc", "loyalty.voucher_issued", "2026-04-01T00:00", {"voucher_id": "V-C"}, "loyalty"),
    ("vc2", "loyalty.voucher_redeemed", "2026-04-15T00:00", {"voucher_id": "V-C"}, "loyalty"),
    ("vd", "loyalty.voucher_issued", "2026-05-01T00:00", {"voucher_id": "V-D"}, "loyalty"),
    ("vd2", "loyalty.voucher_expired", "2026-05-30T00:00", {"voucher_id": "V-D"}, "loyalty"),
    ("ve", "loyalty.voucher_issued", "2026-05-15T00:00", {"voucher_id": "V-E", "value": 5,
        **USD, "expires_at": "2026-06-01T12:00:00Z"}, "loyalty"),
    # marketing
    ("m1", "marketing.sent", "2026-05-01T01:00", {"campaign_id": "C1", "channel": "email"},
        "mailer"),
    ("m2", "marketing.sent", "2026-05-08T01:00", {"campaign_id": "C2", "channel": "email"},
        "mailer"),
    ("m3", "marketing.opened", "2026-05-01T02:00", {"campaign_id": "C1", "channel": "email"},
        "mailer"),
    ("m4", "marketing.clicked", "2026-05-01T02:01", {"campaign_id": "C1", "channel": "email",
        "url": "https://shop.test/kettles"}, "mailer"),
    ("m5", "marketing.opened", "2026-05-02T02:00", {"campaign_id": "C3", "channel": "line"},
        "mailer"),
    ("m6", "marketing.opened", "2026-05-09T02:00", {"campaign_id": "C4", "channel": "line"},
        "mailer"),
    ("m7", "marketing.clicked", "2026-05-09T02:01", {"campaign_id": "C4", "channel": "line"},
        "mailer"),
    ("m8", "marketing.converted", "2026-05-09T03:00", {"campaign_id": "C4", "channel": "line",
        "value": 10, **USD}, "mailer"),
    ("m9", "marketing.bounced", "2026-05-03T01:00", {"campaign_id": "C5", "channel": "sms"},
        "mailer"),
    ("m10", "marketing.unsubscribed", "2026-05-05T01:00", {"campaign_id": "C5",
        "channel": "sms"}, "mailer"),
    # consents
    ("n1", "consent.granted", "2026-01-01T00:00", {"channel": "any", "purpose": "marketing"},
        "crm"),
    ("n2", "consent.revoked", "2026-05-01T00:00", {"channel": "email", "purpose": "marketing"},
        "eshop"),
    ("n3", "consent.granted", "2026-02-01T00:00", {"channel": "sms", "purpose": "marketing"},
        "pos"),
    ("n4", "consent.granted", "2026-03-01T00:00", {"channel": "line", "purpose": "service"},
        "inbox"),
    ("n5", "consent.revoked", "2026-04-01T00:00", {"channel": "push", "purpose": "any"}, "app"),
    ("n6", "consent.granted", "2026-05-06T00:00", {"channel": "whatsapp",
        "purpose": "marketing"}, "inbox"),
    # custom
    ("x1", "custom.store_visit", "2026-05-20T11:00", {"store": "Xinyi"}, "pos"),
    ("x2", "custom.store_visit", "2026-05-29T11:00", {"store": "Xinyi"}, "pos"),
    ("x3", "custom.survey.completed", "2026-05-30T11:00", {"score": 9}, "mailer"),
]  # fmt: skip


def build_events() -> list[Event]:
    """Jane's events, validated, anchored alternately on her e-mail and phone."""
    events = []
    for index, (event_id, event_type, when, data, source) in enumerate(JANE):
        raw = RawEvent(event_id, event_type, at(when), source, (), data)
        checked_type, normalised = validate_event(raw, "TWD", RATES)
        anchor = ANCHORS[index % 2]
        events.append(make_event(raw, [anchor], checked_type, normalised, anchor=anchor))
    return events


def build_identifiers() -> list[IdentifierState]:
    """Jane's identifiers."""
    return [
        IdentifierState(
            "email:jane@x.com", "email", at("2025-12-01T00:00"), at("2026-05-20T00:00")
        ),
        IdentifierState(
            "phone:+886912345678", "phone", at("2026-01-05T00:00"), at("2026-05-28T00:00")
        ),
        IdentifierState("crm_id:C1", "crm_id", at("2025-11-01T00:00"), at("2026-03-01T00:00")),
    ]


def build_profile(events: list[Event]) -> dict[str, Any]:
    """Jane's profile: her events folded per anchor, merged, and assembled at NOW."""
    per_anchor = {key: EventAggregate() for key in ANCHORS}
    for event in events:
        per_anchor[event.anchor].fold(event)
    attributes = survive(
        [
            AttributeEvidence("o1", "crm", at("2025-11-01T00:00"), {"first_name": "Jane"}),
            AttributeEvidence("o2", "eshop", at("2026-05-20T00:00"), {"last_name": "Doe"}),
        ],
        Survivorship(),
    )
    profile = assemble_profile(
        "cus_jane",
        build_identifiers(),
        attributes,
        EventAggregate.combine(per_anchor.values()),
        now=NOW,
        account_currency="TWD",
        sources={"crm": at("2026-03-01T00:00"), "eshop": at("2026-04-01T00:00")},
    )
    return wire(profile)


@pytest.fixture(scope="session")
def jane_events() -> list[Event]:
    """Jane's validated events."""
    return build_events()


@pytest.fixture(scope="session")
def jane(jane_events: list[Event]) -> dict[str, Any]:
    """Jane's profile at NOW."""
    return build_profile(jane_events)


@pytest.fixture(scope="session")
def jane_identifiers() -> list[IdentifierState]:
    """Jane's identifiers."""
    return build_identifiers()


@pytest.fixture(scope="session")
def now() -> datetime:
    """When Jane's profile is assembled."""
    return NOW
