"""Timeline items and the support/LLM context built from Jane's profile (conftest.py)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from resolvers.customer360.context import build_context, mask_email, mask_phone
from resolvers.customer360.events import Event, RawEvent, make_event, validate_event
from resolvers.customer360.timeline import describe
from tests.factories import items_of, profile_of, wire

AT = datetime(2026, 3, 2, 8, tzinfo=UTC)


def item(event_type: str, data: dict[str, Any], account: str = "TWD") -> dict[str, Any]:
    """The timeline item of one validated event."""
    raw = RawEvent("e1", event_type, AT, "eshop", (), data)
    checked_type, normalised = validate_event(raw, account, {"USD": 32.0, "TWD": 1 / 32})
    event = make_event(raw, ["email:a@b.c"], checked_type, normalised, anchor="email:a@b.c")
    return wire(describe(event, account))


def newest_first(events: list[Event]) -> list[dict[str, Any]]:
    """Timeline items as the store pages them."""
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.id), reverse=True)
    return [wire(describe(e, "TWD")) for e in ordered]


# -- timeline items -----------------------------------------------------------------------------


def test_an_order_item_reads_on_its_own() -> None:
    found = item(
        "order.placed",
        {
            "order_id": "991",
            "total": 1280,
            "currency": "TWD",
            "items": [{"sku": "K-1", "category": "kettles", "quantity": 1, "unit_price": 1280}],
        },
    )
    assert list(found) == [
        "id", "type", "family", "occurred_at", "source", "anchor", "title", "summary", "details",
    ]  # fmt: skip
    assert found["title"] == "Order placed"
    assert found["summary"] == "Order 991 placed: 1 item, TWD 1,280.00"
    assert found["family"] == "sales"
    assert found["occurred_at"] == "2026-03-02T08:00:00Z"
    assert found["anchor"] == "email:a@b.c"
    assert found["details"]["total_account"] == 1280.0


def test_foreign_amounts_show_their_account_value() -> None:
    found = item("order.returned", {"order_id": "7", "total": 20, "currency": "USD"})
    assert found["summary"] == "Order 7 returned: USD 20.00 (TWD 640.00) refunded"
    assert (
        item("order.placed", {"order_id": "8", "total": 3200, "currency": "TWD"}, "USD")["summary"]
        == "Order 8 placed: TWD 3,200.00 (USD 100.00)"
    )


def test_a_booking_item_names_service_and_time_in_utc() -> None:
    found = item(
        "booking.cancelled",
        {"booking_id": "B7", "service": "haircut", "scheduled_at": "2026-03-05T22:00:00+08:00"},
    )
    assert found["title"] == "Booking cancelled"
    assert found["summary"] == "Booking B7 for haircut on 2026-03-05 14:00 UTC cancelled"


def test_a_conversation_item_names_channel_topic_sentiment_and_summary() -> None:
    found = item(
        "conversation.opened",
        {
            "conversation_id": "c1",
            "channel": "line",
            "topic": "delivery",
            "sentiment": "negative",
            "summary": "Parcel two days late",
        },
    )
    assert (
        found["summary"] == "Conversation on LINE about delivery (negative): Parcel two days late"
    )


@pytest.mark.parametrize(
    ("event_type", "data", "summary"),
    [
        ("marketing.clicked", {"campaign_id": "c9", "campaign": "Spring", "channel": "email",
            "url": "https://x.test"}, "Campaign Spring clicked by e-mail: https://x.test"),
        ("marketing.unsubscribed", {"campaign_id": "c9", "channel": "sms"},
            "Unsubscribed from marketing by SMS (campaign c9)"),
        ("web.searched", {"query": "kettle"}, 'Searched for "kettle"'),
        ("wishlist.added", {"sku": "K-1", "name": "Kettle"}, "Added Kettle (K-1) to the wishlist"),
        ("cart.abandoned", {"items": []}, "Cart abandoned: empty"),
        ("warranty.claim_updated", {"claim_id": "CL1", "status": "in repair"},
            "Warranty claim CL1 updated: in repair"),
        ("loyalty.points_earned", {"points": 1200, "balance_after": 1520},
            "Earned 1,200 points (balance 1,520)"),
        ("loyalty.tier_changed", {"tier": "Gold", "previous_tier": "Silver"},
            "Tier changed from Silver to Gold"),
        ("loyalty.voucher_issued", {"voucher_id": "V1", "value": 100, "currency": "TWD",
            "expires_at": "2026-06-30"}, "Voucher V1 issued: TWD 100.00, expires 2026-06-30"),
        ("consent.revoked", {"channel": "sms", "purpose": "marketing"},
            "Consent revoked for marketing by SMS"),
        ("custom.store_visit", {"store": "Xinyi"}, "Custom event custom.store_visit"),
    ],
)  # fmt: skip
def test_summaries_of_other_families(event_type: str, data: dict[str, Any], summary: str) -> None:
    assert item(event_type, data)["summary"] == summary


def test_every_item_of_jane_has_a_title_and_a_summary(jane_events: list[Event]) -> None:
    for found in newest_first(jane_events):
        assert found["title"] and found["summary"]
        assert "None" not in found["summary"]
        assert len(found["summary"]) <= 300
    assert describe(jane_events[0], "TWD").title == "Order placed"


# -- context ------------------------------------------------------------------------------------


def test_masking() -> None:
    assert mask_email("jane.doe@gmail.com") == "j***@gmail.com"
    assert mask_email("not-an-email") == "***"
    assert mask_phone("+886912345678") == "+*********678"
    assert mask_phone("12") == "12"


def test_jane_in_context(jane: dict[str, Any], jane_events: list[Event], now: datetime) -> None:
    context = build_context(profile_of(jane), items_of(newest_first(jane_events)), now)
    assert list(context) == [
        "contact_rules", "open_issues", "who", "owns", "recent_orders", "upcoming_bookings",
        "loyalty", "summary",
    ]  # fmt: skip
    assert context["who"] == {
        "name": "Jane Doe",
        "customer_id": "cus_jane",
        "tier": "Gold",
        "segment": "potential_loyalist",
        "customer_since": "2024-01-02T09:00:00Z",
        "emails": ["j***@x.com"],
        "phones": ["+*********678"],
    }
    assert [(p["product"], p["warranty"]) for p in context["owns"]] == [
        ("MUG-W", "unknown"),
        ("Kettle Pro", "active"),
        ("OLD-1", "expired"),
    ]
    assert context["recent_orders"] == [
        {
            "order_id": "O4",
            "status": "returned",
            "total": 500,
            "currency": "TWD",
            "refunded": None,
            "at": "2026-05-23T12:00:00Z",
            "summary": "Order O4 returned",
        },
        {
            "order_id": "O3",
            "status": "placed",
            "total": 1000,
            "currency": "TWD",
            "refunded": None,
            "at": "2026-05-20T12:00:00Z",
            "summary": "Order O3 placed: 4 items, TWD 1,000.00",
        },
        {
            "order_id": "O2",
            "status": "returned",
            "total": 30,
            "currency": "USD",
            "refunded": 15,
            "at": "2026-05-01T09:00:00Z",
            "summary": "Order O2 returned: 1 item, USD 15.00 (TWD 480.00) refunded",
        },
    ]
    assert [(i["kind"], i["id"]) for i in context["open_issues"]] == [
        ("warranty_claim", "CL1"),
        ("negative_conversation", "V2"),  # V1 ended neutral
    ]
    assert [b["booking_id"] for b in context["upcoming_bookings"]] == ["B1", "B6"]
    assert context["loyalty"]["points_balance"] == 400
    assert [v["voucher_id"] for v in context["loyalty"]["active_vouchers"]] == ["V-A", "V-E"]


def test_contact_rules_are_instructions(jane: dict[str, Any], now: datetime) -> None:
    rules = build_context(profile_of(jane), [], now)["contact_rules"]
    assert rules["marketing_allowed"] == ["line", "messenger", "phone", "post", "whatsapp"]
    assert rules["marketing_blocked"] == ["email", "push", "sms"]
    assert rules["instructions"] == [
        "Do not send marketing by e-mail: consent revoked 2026-05-01.",
        "Do not send marketing by push notification: consent revoked 2026-04-01.",
        "Do not send marketing by SMS: unsubscribed 2026-05-05.",
        "Marketing may be sent by LINE, Messenger, phone, post and WhatsApp.",
    ]


def test_the_summary_states_it_all_within_800_characters(
    jane: dict[str, Any], jane_events: list[Event], now: datetime
) -> None:
    summary = build_context(profile_of(jane), items_of(newest_first(jane_events)), now)["summary"]
    assert len(summary) <= 800
    for fact in (
        "Jane Doe (customer cus_jane), Gold tier, known since 2024-01-02.",
        "Do not send marketing by SMS: unsubscribed 2026-05-05.",
        "Open warranty claim CL1 about leaks since 2026-05-02.",
        "Unhappy conversation V2 about delivery since 2026-05-28.",
        "Upcoming: haircut on 2026-06-05 06:00 UTC.",
        "4 order(s), TWD 2,760.00 spent.",
        "400 points, 2 active voucher(s).",
    ):
        assert fact in summary


def test_a_long_summary_is_cut_at_800_characters_keeping_the_rules_first(
    jane: dict[str, Any], now: datetime
) -> None:
    crowded = copy.deepcopy(jane)
    claim = crowded["service"]["open_claims"][0]
    crowded["service"]["open_claims"] = [
        {**claim, "claim_id": f"CL{n}", "issue": "a long description of what broke " * 2}
        for n in range(30)
    ]
    summary = build_context(profile_of(crowded), [], now)["summary"]
    assert len(summary) <= 800
    assert summary.endswith(("…", "."))
    assert "Do not send marketing by e-mail" in summary


def test_the_context_is_deterministic(
    jane: dict[str, Any], jane_events: list[Event], now: datetime
) -> None:
    recent = newest_first(jane_events)
    assert build_context(profile_of(jane), items_of(recent), now) == build_context(
        profile_of(copy.deepcopy(jane)), items_of(recent), now
    )


def test_old_complaints_are_not_open_issues(jane: dict[str, Any]) -> None:
    later = datetime(2026, 12, 1, tzinfo=UTC)
    issues = build_context(profile_of(jane), [], later)["open_issues"]
    assert [i["id"] for i in issues] == ["CL1"]
