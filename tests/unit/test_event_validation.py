"""Event validation: the catalogue, located errors, normalised money, times and enums."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from resolvers.customer360.event_schemas import EVENT_TYPES, FAMILIES, family_of
from resolvers.customer360.events import RawEvent, event_body_hash, make_event, validate_event
from resolvers.errors import ValidationFailed

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RATES = {"USD": 32.0, "jpy": 0.21}

MINIMAL: dict[str, dict[str, Any]] = {
    "order.placed": {"order_id": "1"},
    "order.completed": {"order_id": "1"},
    "order.returned": {"order_id": "1"},
    "marketing.sent": {"campaign_id": "c", "channel": "email"},
    "marketing.opened": {"campaign_id": "c", "channel": "email"},
    "marketing.clicked": {"campaign_id": "c", "channel": "sms", "url": "https://x.test/a"},
    "marketing.converted": {"campaign_id": "c", "channel": "line"},
    "marketing.bounced": {"campaign_id": "c", "channel": "email"},
    "marketing.unsubscribed": {"campaign_id": "c", "channel": "email"},
    "web.page_viewed": {"url": "https://shop.test/"},
    "web.product_viewed": {"sku": "K-1"},
    "web.searched": {"query": "kettle"},
    "cart.updated": {"items": []},
    "cart.abandoned": {"items": []},
    "wishlist.added": {"sku": "K-1"},
    "wishlist.removed": {"sku": "K-1"},
    "warranty.registered": {"serial": "S1", "model": "K2"},
    "warranty.claim_opened": {"claim_id": "CL1"},
    "warranty.claim_updated": {"claim_id": "CL1"},
    "warranty.claim_closed": {"claim_id": "CL1"},
    "booking.booked": {"booking_id": "B7", "scheduled_at": "2026-03-05T22:00:00+08:00"},
    "booking.rescheduled": {"booking_id": "B7", "scheduled_at": "2026-03-06T10:00:00Z"},
    "booking.cancelled": {"booking_id": "B7"},
    "booking.attended": {"booking_id": "B7"},
    "booking.no_show": {"booking_id": "B7"},
    "conversation.opened": {"conversation_id": "c1", "channel": "line"},
    "conversation.closed": {"conversation_id": "c1", "channel": "line"},
    "loyalty.points_earned": {"points": 10},
    "loyalty.points_redeemed": {"points": 10},
    "loyalty.tier_changed": {"tier": "Gold"},
    "loyalty.voucher_issued": {"voucher_id": "V1"},
    "loyalty.voucher_redeemed": {"voucher_id": "V1"},
    "loyalty.voucher_expired": {"voucher_id": "V1"},
    "consent.granted": {"channel": "sms", "purpose": "marketing"},
    "consent.revoked": {"channel": "any", "purpose": "any"},
}


def raw(event_type: str, data: Mapping[str, Any], **envelope: Any) -> RawEvent:
    """A raw event with a valid envelope unless told otherwise."""
    fields: dict[str, Any] = {"id": "e1", "occurred_at": AT, "source": "eshop"}
    fields.update(envelope)
    return RawEvent(type=event_type, identifiers=(), data=data, **fields)


def valid(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The normalised data of an event that must validate."""
    checked_type, normalised = validate_event(raw(event_type, data), "TWD", RATES)
    assert checked_type == event_type
    return normalised


def errors(event_type: str, data: Any, **envelope: Any) -> dict[tuple[str | int, ...], str]:
    """{location: code} of the errors an invalid event raises."""
    with pytest.raises(ValidationFailed) as caught:
        validate_event(raw(event_type, data, **envelope), "TWD", RATES)
    return {e.loc: e.code for e in caught.value.errors}


def message(event_type: str, data: Any, loc: tuple[str | int, ...]) -> str:
    """The message of the error at one location."""
    with pytest.raises(ValidationFailed) as caught:
        validate_event(raw(event_type, data), "TWD", RATES)
    return next(e.message for e in caught.value.errors if e.loc == loc)


# -- the catalogue ------------------------------------------------------------------------------


def test_the_catalogue_has_every_type_of_the_brief_and_a_minimal_payload_for_each() -> None:
    assert set(EVENT_TYPES) == set(MINIMAL)
    assert len(EVENT_TYPES) == 35


@pytest.mark.parametrize("event_type", sorted(MINIMAL))
def test_every_type_accepts_its_minimal_payload(event_type: str) -> None:
    assert valid(event_type, MINIMAL[event_type])


@pytest.mark.parametrize(
    ("event_type", "family"),
    [
        ("order.placed", "sales"),
        ("marketing.opened", "marketing"),
        ("web.searched", "behaviour"),
        ("cart.abandoned", "behaviour"),
        ("wishlist.added", "behaviour"),
        ("warranty.claim_opened", "warranty"),
        ("booking.no_show", "booking"),
        ("conversation.closed", "conversation"),
        ("loyalty.tier_changed", "loyalty"),
        ("consent.revoked", "consent"),
        ("custom.store_visit", "custom"),
    ],
)
def test_family_of_each_type(event_type: str, family: str) -> None:
    assert family_of(event_type) == family


def test_unknown_type_is_refused_listing_the_families() -> None:
    assert errors("refund.issued", {}) == {("type",): "unknown_event_type"}
    text = message("refund.issued", {}, ("type",))
    for prefix in FAMILIES:
        assert f"{prefix}." in text


def test_unknown_type_of_a_known_family_lists_that_familys_types() -> None:
    text = message("order.cancelled", {"order_id": "1"}, ("type",))
    assert "order.completed, order.placed, order.returned" in text


@pytest.mark.parametrize("name", ["custom.store_visit", "custom.pos.receipt_printed", "custom.a1"])
def test_custom_types_take_any_json_object(name: str) -> None:
    data = {"store": "Taipei 101", "nested": {"list": [1, 2.5, None, True]}}
    assert valid(name, data) == data


@pytest.mark.parametrize(
    "name", ["custom.", "custom.Store", "custom.store visit", "custom.1a", "custom." + "a" * 60]
)
def test_malformed_custom_type_names_are_refused(name: str) -> None:
    assert errors(name, {}) == {("type",): "invalid_custom_type"}


def test_custom_data_must_be_json() -> None:
    assert errors("custom.x", {"when": datetime(2026, 1, 1)}) == {("data", "when"): "not_json"}
    assert errors("custom.x", {"n": [1, float("nan")]}) == {("data", "n", 1): "not_finite"}


def test_data_must_be_an_object() -> None:
    assert errors("order.placed", ["not", "an", "object"]) == {("data",): "wrong_type"}


# -- sales and money ----------------------------------------------------------------------------


def test_the_contract_example_order_normalises_currency_and_adds_account_amounts() -> None:
    data = valid(
        "order.placed",
        {
            "order_id": "991",
            "total": 1280,
            "currency": "twd",
            "items": [{"sku": "K-1", "category": "kettles", "quantity": 1, "unit_price": 1280}],
        },
    )
    assert data == {
        "order_id": "991",
        "total": 1280,
        "currency": "TWD",
        "total_account": 1280.0,
        "items": [
            {
                "sku": "K-1",
                "category": "kettles",
                "quantity": 1,
                "unit_price": 1280,
                "unit_price_account": 1280.0,
            }
        ],
    }


def test_foreign_amounts_are_converted_with_the_rate_to_the_cent() -> None:
    data = valid(
        "order.placed",
        {
            "order_id": 992,
            "total": 40.5,
            "currency": "usd",
            "items": [{"sku": "T", "quantity": 2, "unit_price": 20.25}],
        },
    )
    assert data["order_id"] == "992"  # numeric ids become strings
    assert data["currency"] == "USD"
    assert data["total_account"] == 1296.0
    assert data["items"][0]["unit_price_account"] == 648.0
    assert valid("order.placed", {"order_id": "1", "total": 1001, "currency": "JPY"})[
        "total_account"
    ] == pytest.approx(210.21)


def test_a_currency_without_a_rate_is_a_clear_configuration_error() -> None:
    data = {"order_id": "1", "total": 10, "currency": "EUR"}
    assert errors("order.placed", data) == {("data", "currency"): "no_exchange_rate"}
    text = message("order.placed", data, ("data", "currency"))
    assert "EUR" in text and "[currency.rates]" in text and "TWD" in text


def test_a_zero_or_broken_rate_counts_as_missing() -> None:
    with pytest.raises(ValidationFailed):
        validate_event(
            raw("order.placed", {"order_id": "1", "total": 1, "currency": "USD"}), "TWD", {"USD": 0}
        )


def test_unknown_currency_code_is_refused() -> None:
    data = {"order_id": "1", "total": 10, "currency": "ABC"}
    assert errors("order.placed", data) == {("data", "currency"): "unknown_currency"}


def test_currency_is_required_when_an_amount_is_present() -> None:
    assert errors("order.placed", {"order_id": "1", "total": 10}) == {
        ("data", "currency"): "missing"
    }
    items = [{"sku": "K", "quantity": 1, "unit_price": 5}]
    assert errors("cart.updated", {"items": items}) == {("data", "currency"): "missing"}
    assert errors("loyalty.voucher_issued", {"voucher_id": "V", "value": 100}) == {
        ("data", "currency"): "missing"
    }


def test_an_order_without_amounts_needs_no_currency() -> None:
    assert valid("order.completed", {"order_id": "1"}) == {"order_id": "1"}


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        ({"sku": "K", "quantity": -1, "unit_price": 1}, "quantity", "not_positive"),
        ({"sku": "K", "quantity": 0, "unit_price": 1}, "quantity", "not_positive"),
        ({"sku": "K", "quantity": 1.5, "unit_price": 1}, "quantity", "not_integer"),
        ({"sku": "K", "quantity": True, "unit_price": 1}, "quantity", "wrong_type"),
        ({"sku": "K", "quantity": "2", "unit_price": 1}, "quantity", "wrong_type"),
        ({"sku": "K", "quantity": 1, "unit_price": -0.01}, "unit_price", "negative"),
        ({"sku": "K", "quantity": 1}, "unit_price", "missing"),
        ({"quantity": 1, "unit_price": 1}, "sku", "missing"),
        ({"sku": "K", "quantity": 1, "unit_price": 1, "category": 7}, "category", "wrong_type"),
    ],
)
def test_bad_items_are_located_precisely(item: dict[str, Any], field: str, code: str) -> None:
    data = {
        "order_id": "1",
        "currency": "TWD",
        "items": [{"sku": "OK", "quantity": 1, "unit_price": 1}, item],
    }
    assert errors("order.placed", data) == {("data", "items", 1, field): code}


def test_an_integral_float_quantity_is_taken_as_a_whole_number() -> None:
    data = valid(
        "order.placed",
        {
            "order_id": "1",
            "currency": "TWD",
            "items": [{"sku": "K", "quantity": 2.0, "unit_price": 3}],
        },
    )
    assert data["items"][0]["quantity"] == 2
    assert isinstance(data["items"][0]["quantity"], int)


def test_negative_and_wrongly_typed_amounts_are_refused() -> None:
    assert errors("order.placed", {"order_id": "1", "total": -5, "currency": "TWD"}) == {
        ("data", "total"): "negative"
    }
    assert errors("order.placed", {"order_id": "1", "total": "1280", "currency": "TWD"}) == {
        ("data", "total"): "wrong_type"
    }
    assert errors("order.placed", {"order_id": "1", "total": float("inf"), "currency": "TWD"}) == {
        ("data", "total"): "not_finite"
    }


def test_items_must_be_a_list_of_objects() -> None:
    assert errors("order.placed", {"order_id": "1", "items": {"sku": "K"}}) == {
        ("data", "items"): "wrong_type"
    }
    assert errors("order.placed", {"order_id": "1", "items": ["K"]}) == {
        ("data", "items", 0): "wrong_type"
    }


def test_missing_required_fields_are_named() -> None:
    assert errors("order.placed", {}) == {("data", "order_id"): "missing"}
    assert errors("order.placed", {"order_id": "   "}) == {("data", "order_id"): "missing"}
    assert errors("cart.updated", {}) == {("data", "items"): "missing"}
    assert errors("warranty.registered", {"serial": "S"}) == {("data", "model"): "missing"}


def test_extra_fields_are_kept_but_must_be_json() -> None:
    data = valid("web.searched", {"query": " kettle ", "results": 12, "filters": {"brand": "X"}})
    assert data == {"query": "kettle", "results": 12, "filters": {"brand": "X"}}
    assert errors("web.searched", {"query": "k", "raw": {1, 2}}) == {("data", "raw"): "not_json"}


# -- marketing, enums, text ---------------------------------------------------------------------


def test_enums_are_trimmed_and_lower_cased() -> None:
    data = valid("marketing.opened", {"campaign_id": "c", "channel": " LINE "})
    assert data["channel"] == "line"


@pytest.mark.parametrize(
    ("event_type", "data", "loc"),
    [
        ("marketing.sent", {"campaign_id": "c", "channel": "fax"}, ("data", "channel")),
        ("consent.granted", {"channel": "web", "purpose": "marketing"}, ("data", "channel")),
        ("consent.granted", {"channel": "sms", "purpose": "spam"}, ("data", "purpose")),
        (
            "conversation.opened",
            {"conversation_id": "c", "channel": "line", "sentiment": "angry"},
            ("data", "sentiment"),
        ),
        ("conversation.opened", {"conversation_id": "c", "channel": "pager"}, ("data", "channel")),
    ],
)
def test_unknown_enum_values_are_refused(
    event_type: str, data: dict[str, Any], loc: tuple[str, ...]
) -> None:
    assert errors(event_type, data) == {loc: "unknown_value"}
    assert "must be one of" in message(event_type, data, loc)


def test_converted_value_is_converted_to_the_account_currency() -> None:
    data = valid(
        "marketing.converted",
        {"campaign_id": "c", "channel": "email", "value": 10, "currency": "USD"},
    )
    assert data["value_account"] == 320.0


def test_marketing_needs_a_campaign_and_a_channel() -> None:
    assert errors("marketing.sent", {}) == {
        ("data", "campaign_id"): "missing",
        ("data", "channel"): "missing",
    }


def test_a_conversation_summary_is_at_most_2000_characters() -> None:
    base = {"conversation_id": "c", "channel": "email"}
    assert valid("conversation.closed", {**base, "summary": "x" * 2000})
    assert errors("conversation.closed", {**base, "summary": "x" * 2001}) == {
        ("data", "summary"): "too_long"
    }


def test_loyalty_points_are_positive_whole_numbers() -> None:
    assert errors("loyalty.points_earned", {"points": 0}) == {("data", "points"): "not_positive"}
    assert errors("loyalty.points_earned", {"points": 2.5}) == {("data", "points"): "not_integer"}
    assert (
        valid("loyalty.points_redeemed", {"points": 5, "balance_after": -3})["balance_after"] == -3
    )


# -- times and dates ----------------------------------------------------------------------------


def test_times_in_data_are_normalised_to_utc() -> None:
    data = valid("booking.booked", MINIMAL["booking.booked"])
    assert data["scheduled_at"] == "2026-03-05T14:00:00Z"


def test_dates_are_iso_dates_and_a_datetime_counts_as_its_utc_date() -> None:
    data = valid(
        "warranty.registered",
        {
            "serial": "S",
            "model": "M",
            "purchased_at": "2026-03-01",
            "expires_at": "2027-03-01T02:00:00+08:00",
        },
    )
    assert data["purchased_at"] == "2026-03-01"
    assert data["expires_at"] == "2027-02-28"


def test_a_voucher_expiry_may_be_a_date_or_a_time() -> None:
    base = {"voucher_id": "V"}
    assert valid("loyalty.voucher_issued", {**base, "expires_at": "2026-12-31"})["expires_at"] == (
        "2026-12-31"
    )
    stamped = valid("loyalty.voucher_issued", {**base, "expires_at": "2026-12-31T16:00:00Z"})
    assert stamped["expires_at"] == "2026-12-31T16:00:00Z"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2026-03-05T14:00:00", "naive_datetime"),
        ("next tuesday", "invalid_datetime"),
        ("2026-02-30T10:00:00Z", "invalid_datetime"),
        ("2026-03-05", "not_datetime"),
        (1772719200, "wrong_type"),
    ],
)
def test_bad_times_are_refused(value: Any, code: str) -> None:
    assert errors("booking.booked", {"booking_id": "B", "scheduled_at": value}) == {
        ("data", "scheduled_at"): code
    }


def test_scheduled_at_is_required_to_book_but_not_to_cancel() -> None:
    assert errors("booking.booked", {"booking_id": "B"}) == {("data", "scheduled_at"): "missing"}
    assert errors("booking.rescheduled", {"booking_id": "B"}) == {
        ("data", "scheduled_at"): "missing"
    }
    assert valid("booking.cancelled", {"booking_id": "B"}) == {"booking_id": "B"}


def test_envelope_errors_are_reported_with_data_errors() -> None:
    found = errors("order.placed", {}, occurred_at=datetime(2026, 3, 2), id=" ", source="")
    assert found == {
        ("id",): "missing",
        ("source",): "missing",
        ("occurred_at",): "naive_datetime",
        ("data", "order_id"): "missing",
    }


def test_every_error_is_reported_at_once() -> None:
    found = errors(
        "order.placed",
        {"total": -1, "currency": "XYZ", "items": [{"sku": "K", "quantity": 0, "unit_price": 1}]},
    )
    assert found == {
        ("data", "order_id"): "missing",
        ("data", "total"): "negative",
        ("data", "currency"): "unknown_currency",
        ("data", "items", 0, "quantity"): "not_positive",
    }


# -- the stored event ---------------------------------------------------------------------------


def test_make_event_stores_utc_time_and_a_stable_body_hash() -> None:
    from datetime import timedelta, timezone

    taipei = timezone(timedelta(hours=8))
    event_raw = raw("web.searched", {"query": "kettle"}, occurred_at=AT.astimezone(taipei))
    event_type, data = validate_event(event_raw, "TWD", RATES)
    event = make_event(event_raw, ["email:a@b.c"], event_type, data, anchor="email:a@b.c")
    assert event.occurred_at == AT and event.occurred_at.utcoffset() == timedelta(0)
    assert event.anchor == "email:a@b.c"
    assert event.body_hash == event_body_hash(event_type, "eshop", AT, ["email:a@b.c"], data)
    other = event_body_hash(event_type, "eshop", AT, ["email:a@b.c"], {"query": "tea"})
    assert other != event.body_hash
