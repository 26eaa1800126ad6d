"""The event catalogue: every event type, its family, and the shape its data must have."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from resolvers.customer360.event_fields import (
    MAX_POINTS,
    Field,
    Invalid,
    amount,
    bounded,
    check_object,
    choice,
    currency,
    day,
    day_or_moment,
    ident,
    items,
    json_value,
    moment,
    positive,
    text,
    whole,
)
from resolvers.errors import FieldError, ValidationFailed

# Type prefix -> family: the families group the timeline and the profile's sections.
FAMILIES: dict[str, str] = {
    "order": "sales",
    "marketing": "marketing",
    "web": "behaviour",
    "cart": "behaviour",
    "wishlist": "behaviour",
    "warranty": "warranty",
    "booking": "booking",
    "conversation": "conversation",
    "loyalty": "loyalty",
    "consent": "consent",
    "custom": "custom",
}
MARKETING_CHANNELS = ("email", "sms", "line", "whatsapp", "messenger", "push", "web")
CONSENT_CHANNELS = ("email", "sms", "line", "whatsapp", "messenger", "push", "phone", "post", "any")
# Support happens on more channels than marketing does; "other" keeps a new one from bouncing.
CONVERSATION_CHANNELS = (
    "email", "sms", "line", "whatsapp", "messenger", "wechat", "instagram",
    "phone", "web", "chat", "store", "other",
)  # fmt: skip
PURPOSES = ("marketing", "service", "profiling", "third_party", "any")
SENTIMENTS = ("positive", "neutral", "negative", "mixed")
AMOUNTS = ("total", "value")  # each gets an ``<name>_account`` twin in the account currency
CUSTOM_TYPE = re.compile(r"^custom(\.[a-z][a-z0-9_]*)+$")
MAX_CUSTOM_TYPE = 64

# -- the catalogue -----------------------------------------------------------------------------

MONEY = (Field("total", amount), Field("currency", currency))
ORDER = (
    Field("order_id", ident, True),
    Field("items", items),
    *MONEY,
    Field("store", text(200)),
    Field("channel", text(100)),
)
CAMPAIGN = (
    Field("campaign_id", ident, True),
    Field("campaign", text(300)),
    Field("channel", choice(MARKETING_CHANNELS), True),
)
CART = (Field("cart_id", ident), Field("items", items, True), *MONEY)
PRODUCT = (Field("sku", ident, True), Field("name", text(300)), Field("category", text(100)))
CLAIM = (
    Field("claim_id", ident, True),
    Field("serial", ident),
    Field("status", text(100)),
    Field("issue", text(1000)),
    Field("resolution", text(1000)),
)


def _booking(scheduled_required: bool) -> tuple[Field, ...]:
    return (
        Field("booking_id", ident, True),
        Field("service", text(200)),
        Field("scheduled_at", moment, scheduled_required),
        Field("location", text(200)),
        Field("staff", text(200)),
    )


CONVERSATION = (
    Field("conversation_id", ident, True),
    Field("channel", choice(CONVERSATION_CHANNELS), True),
    Field("topic", text(100)),
    Field("outcome", text(200)),
    Field("sentiment", choice(SENTIMENTS)),
    Field("summary", text(2000)),
    Field("agent", text(200)),
)
POINTS = (
    Field("points", bounded(positive, MAX_POINTS), True),
    Field("balance_after", bounded(whole, MAX_POINTS * 1000)),
    Field("reason", text(300)),
)
VOUCHER = (
    Field("voucher_id", ident, True),
    Field("value", amount),
    Field("currency", currency),
    Field("expires_at", day_or_moment),
    Field("description", text(500)),
)
CONSENT = (
    Field("channel", choice(CONSENT_CHANNELS), True),
    Field("purpose", choice(PURPOSES), True),
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "order.placed": ORDER,
    "order.completed": ORDER,
    "order.returned": ORDER,
    "marketing.sent": CAMPAIGN,
    "marketing.opened": CAMPAIGN,
    "marketing.clicked": (*CAMPAIGN, Field("url", text(2048))),
    "marketing.converted": (*CAMPAIGN, Field("value", amount), Field("currency", currency)),
    "marketing.bounced": CAMPAIGN,
    "marketing.unsubscribed": CAMPAIGN,
    "web.page_viewed": (Field("url", text(2048), True), Field("title", text(300))),
    "web.product_viewed": PRODUCT,
    "web.searched": (Field("query", text(500), True),),
    "cart.updated": CART,
    "cart.abandoned": CART,
    "wishlist.added": PRODUCT,
    "wishlist.removed": PRODUCT,
    "warranty.registered": (
        Field("serial", ident, True),
        Field("model", text(200), True),
        Field("product", text(300)),
        Field("category", text(100)),
        Field("purchased_at", day),
        Field("expires_at", day),
    ),
    "warranty.claim_opened": CLAIM,
    "warranty.claim_updated": CLAIM,
    "warranty.claim_closed": CLAIM,
    "booking.booked": _booking(True),
    "booking.rescheduled": _booking(True),
    "booking.cancelled": _booking(False),
    "booking.attended": _booking(False),
    "booking.no_show": _booking(False),
    "conversation.opened": CONVERSATION,
    "conversation.closed": CONVERSATION,
    "loyalty.points_earned": POINTS,
    "loyalty.points_redeemed": POINTS,
    "loyalty.tier_changed": (Field("tier", text(100), True), Field("previous_tier", text(100))),
    "loyalty.voucher_issued": VOUCHER,
    "loyalty.voucher_redeemed": VOUCHER,
    "loyalty.voucher_expired": VOUCHER,
    "consent.granted": CONSENT,
    "consent.revoked": CONSENT,
}
EVENT_TYPES: tuple[str, ...] = tuple(sorted(SCHEMAS))


def is_type_filter(name: str) -> bool:
    """Whether a name selects events: a type (``order.placed``), a prefix (``order.*``), or a
    custom type (``custom.…``)."""
    if name in SCHEMAS or name.startswith("custom."):
        return True
    prefix = name[:-2] if name.endswith(".*") else None
    return prefix is not None and (
        prefix == "custom" or any(t.startswith(f"{prefix}.") for t in SCHEMAS)
    )


def family_of(event_type: str) -> str:
    """The family of an event type (``order.placed`` -> ``sales``)."""
    return FAMILIES.get(event_type.split(".", 1)[0], "custom")


def validate_payload(
    event_type: str, data: Any, account_currency: str, rates: Mapping[str, float]
) -> tuple[str, dict[str, Any]]:
    """The type and normalised data of an event, or ValidationFailed naming each bad field."""
    errors: list[FieldError] = []
    if not isinstance(data, Mapping):
        raise ValidationFailed([FieldError(("data",), "wrong_type", "must be a JSON object")])
    if event_type.startswith("custom."):
        if len(event_type) > MAX_CUSTOM_TYPE or not CUSTOM_TYPE.match(event_type):
            message = (
                f"a custom type is 'custom.' and a lower-case dotted name of at most "
                f"{MAX_CUSTOM_TYPE} characters, e.g. custom.store_visit"
            )
            errors.append(FieldError(("type",), "invalid_custom_type", message))
        try:
            clean = json_value(data)
        except Invalid as error:
            errors.extend(FieldError(("data", *loc), c, m) for loc, c, m in error.problems)
        if errors:
            raise ValidationFailed(errors)
        return event_type, clean
    fields = SCHEMAS.get(event_type)
    if fields is None:
        raise ValidationFailed([FieldError(("type",), "unknown_event_type", _unknown(event_type))])
    out, problems = check_object(data, fields)
    errors.extend(FieldError(("data", *loc), code, message) for loc, code, message in problems)
    failed = {loc[0] for loc, _, _ in problems if loc}
    errors.extend(_convert(out, failed, account_currency, rates))
    if errors:
        raise ValidationFailed(errors)
    return event_type, out


def _convert(
    out: dict[str, Any], failed: set[str | int], account: str, rates: Mapping[str, float]
) -> list[FieldError]:
    """Add account-currency twins of every amount; the currency must be given and priced."""
    lines = out.get("items") or []
    priced = [name for name in AMOUNTS if name in out] + (["items"] if lines else [])
    if not priced or "currency" in failed:
        return []
    code = out.get("currency")
    if code is None:
        message = f"is required when an amount is given ({', '.join(priced)})"
        return [FieldError(("data", "currency"), "missing", message)]
    rate = _rate(code, account.upper(), rates)
    if rate is None:
        message = (
            f"no exchange rate from {code} to the account currency {account.upper()}; "
            f"add {code} to the policy's [currency.rates]"
        )
        return [FieldError(("data", "currency"), "no_exchange_rate", message)]
    for name in AMOUNTS:
        if name in out:
            out[f"{name}_account"] = to_account(out[name], rate)
    for line in lines:
        line["unit_price_account"] = to_account(line["unit_price"], rate)
    return []


def _rate(code: str, account: str, rates: Mapping[str, float]) -> Decimal | None:
    if code == account:
        return Decimal(1)
    found = {str(k).upper(): v for k, v in rates.items()}.get(code)
    if isinstance(found, bool) or not isinstance(found, int | float):
        return None
    if not math.isfinite(found) or found <= 0:
        return None
    return Decimal(str(found))


def to_account(value: float, rate: Decimal) -> float:
    """An amount in the account currency, to the cent."""
    converted = (Decimal(str(value)) * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return float(converted)


def _unknown(event_type: str) -> str:
    prefix = event_type.split(".", 1)[0]
    same_family = [t for t in EVENT_TYPES if t.startswith(f"{prefix}.")]
    if same_family:
        return f"unknown event type {event_type!r}; {prefix}.* types are {', '.join(same_family)}"
    families = ", ".join(f"{p}.*" for p in FAMILIES if p != "custom")
    return (
        f"unknown event type {event_type!r}; known families are {families}, "
        "or custom.<name> for your own"
    )
