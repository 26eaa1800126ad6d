"""The 360 profile: identity, surviving attributes and what a customer's events add up to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from resolvers.customer360.aggregates import EventAggregate
from resolvers.customer360.aggregates.views import Booking, Consent, Marketing, Voucher
from resolvers.customer360.event_schemas import CONSENT_CHANNELS
from resolvers.customer360.read_model import Profile
from resolvers.customer360.rfm import RFM_THRESHOLDS, RfmThresholds, rfm
from resolvers.customer360.survivorship import AttributeValue
from resolvers.identity.evidence import IdentifierState

CONTACT_CHANNELS = tuple(c for c in CONSENT_CHANNELS if c != "any")
MARKETING_PURPOSES = ("marketing", "any")  # a grant "for any purpose" covers marketing
TOP_INTERESTS = 5
TOP_TOPICS = 5
RECENT_CONVERSATIONS = 5
SENTIMENTS = ("positive", "neutral", "negative", "mixed")
UPCOMING = ("booked", "rescheduled")

Json = dict[str, Any]


def assemble_profile(
    customer_id: str,
    identifiers: Sequence[IdentifierState],
    attributes: Mapping[str, AttributeValue],
    aggregate: EventAggregate,
    *,
    now: datetime,
    account_currency: str,
    sources: Mapping[str, datetime] | None = None,
    rfm_thresholds: RfmThresholds = RFM_THRESHOLDS,
) -> Profile:
    """The profile of one customer, as of ``now``.

    ``aggregate`` is the merge of the customer's identifiers' aggregates; ``sources`` maps
    each observation source to when it last saw the customer.
    """
    orders = aggregate.orders()
    activity = aggregate.activity()
    marketing = aggregate.marketing()
    consents = aggregate.consents()
    revenue = orders.revenue_cents / 100
    document = {
        "customer_id": customer_id,
        "as_of": now,
        "identity": _identity(customer_id, identifiers, aggregate, sources or {}),
        "attributes": {name: _attribute(attributes[name]) for name in sorted(attributes)},
        "consents": _consents(consents, marketing),
        "stats": {
            "orders": orders.orders,
            "orders_completed": orders.completed,
            "revenue": money(orders.revenue_cents),
            "returns": orders.returned,
            "refunded": money(orders.refunded_cents),
            "average_order_value": (round(revenue / orders.counted, 2) if orders.counted else None),
            "first_order_at": orders.first_at,
            "last_order_at": orders.last_at,
            "last_activity_at": activity.last_at,
            "currency": account_currency.upper(),
            "events": sum(activity.counts.values()) + sum(activity.custom.values()),
            "activity_by_family": {
                family: {"first_at": first, "last_at": last}
                for family, (first, last) in activity.families.items()
            },
        },
        "rfm": rfm(orders.last_at, orders.counted, revenue, now, rfm_thresholds),
        "loyalty": _loyalty(aggregate, now),
        "cart": _cart(aggregate, orders.last_at),
        "wishlist": [
            {"sku": w.sku, "name": w.name, "category": w.category, "added_at": w.added_at}
            for w in aggregate.behaviour().wishlist
        ],
        "interests": _interests(aggregate),
        "service": _service(aggregate, now),
        "engagement": _engagement(marketing, consents),
        "custom_events": dict(sorted(activity.custom.items())),
    }
    return Profile.model_validate(document)


def money(cents: int) -> float:
    """Cents as an amount rounded to 2 decimals."""
    return round(cents / 100, 2)


def rounded(amount: float | None) -> float | None:
    """An amount as given, rounded to 2 decimals (whole numbers stay whole)."""
    return round(amount, 2) if amount is not None else None


def _identity(
    customer_id: str,
    identifiers: Sequence[IdentifierState],
    aggregate: EventAggregate,
    observed: Mapping[str, datetime],
) -> Json:
    by_kind: dict[str, list[Json]] = {}
    for state in sorted(identifiers, key=lambda s: (s.kind, s.key)):
        by_kind.setdefault(state.kind, []).append(
            {
                "key": state.key,
                "value": state.key.split(":", 1)[1],
                "first_seen_at": state.first_seen_at,
                "last_seen_at": state.last_seen_at,
            }
        )
    activity = aggregate.activity()
    seen = dict(observed)
    for source, at in activity.sources.items():
        seen[source] = max(at, seen[source]) if source in seen else at
    firsts = [s.first_seen_at for s in identifiers] + _some(activity.first_at)
    lasts = [s.last_seen_at for s in identifiers] + _some(activity.last_at)
    return {
        "customer_id": customer_id,
        "first_seen_at": min(firsts, default=None),
        "last_seen_at": max(lasts, default=None),
        "identifiers": by_kind,
        "sources": [{"source": s, "last_seen_at": seen[s]} for s in sorted(seen)],
    }


def _attribute(value: AttributeValue) -> Json:
    return {
        "value": value.value,
        "source": value.source,
        "observed_at": value.observed_at,
        "observation_id": value.observation_id,
        "rule": value.rule,
        "alternatives": value.alternatives,
    }


def marketing_decision(
    channel: str, consents: Sequence[Consent], marketing: Marketing
) -> tuple[str, datetime, str] | None:
    """The latest say on marketing by a channel: (granted | revoked | unsubscribed, when, source).

    A consent for the channel or for ``any`` channel, for marketing or ``any`` purpose, counts;
    so does a marketing.unsubscribed on that channel. The latest (time, event id) decides.
    """
    said: list[tuple[datetime, str, str, str]] = [
        (c.at, c.event_id, c.state, c.source)
        for c in consents
        if c.channel in (channel, "any") and c.purpose in MARKETING_PURPOSES
    ]
    if channel in marketing.unsubscribes:
        at, event_id, source = marketing.unsubscribes[channel]
        said.append((at, event_id, "unsubscribed", source))
    if not said:
        return None
    at, _, state, source = max(said)
    return state, at, source


def _consents(consents: Sequence[Consent], marketing: Marketing) -> Json:
    basis: Json = {}
    for channel in CONTACT_CHANNELS:
        decision = marketing_decision(channel, consents, marketing)
        if decision is not None:
            state, at, source = decision
            basis[channel] = {"state": state, "since": at, "source": source}
    return {
        "items": [
            {
                "channel": c.channel,
                "purpose": c.purpose,
                "state": c.state,
                "since": c.at,
                "source": c.source,
            }
            for c in consents
        ],
        "can_contact": {
            channel: basis.get(channel, {}).get("state") == "granted"
            for channel in CONTACT_CHANNELS
        },
        "marketing": basis,
    }


def voucher_active(voucher: Voucher, now: datetime) -> bool:
    """Issued, not redeemed or expired, and not past its expiry (a date lasts all day UTC)."""
    if voucher.state != "issued":
        return False
    expires = voucher.expires_at
    if expires is None:
        return True
    if isinstance(expires, datetime):
        return now < expires
    return now.date() <= expires


def _loyalty(aggregate: EventAggregate, now: datetime) -> Json:
    loyalty = aggregate.loyalty()
    balance = loyalty.balance if loyalty.balance is not None else loyalty.earned - loyalty.redeemed
    active = [v for v in loyalty.vouchers if voucher_active(v, now)]
    return {
        "points_balance": balance,
        "points_earned": loyalty.earned,
        "points_redeemed": loyalty.redeemed,
        "balance_reported_at": loyalty.balance_at,
        "tier": loyalty.tier,
        "tier_since": loyalty.tier_at,
        "active_vouchers": [
            {
                "voucher_id": v.voucher_id,
                "value": rounded(v.value),
                "currency": v.currency,
                "value_account": rounded(v.value_account),
                "expires_at": v.expires_at,
                "description": v.description,
                "issued_at": v.issued_at,
            }
            for v in active
        ],
        # Something to redeem now: points to spend or a live voucher.
        "eligible": balance > 0 or bool(active),
    }


def _cart(aggregate: EventAggregate, last_order_at: datetime | None) -> Json | None:
    cart = aggregate.behaviour().cart
    if cart is None or not cart.items:
        return None
    if last_order_at is not None and last_order_at >= cart.at:
        return None  # an order after the cart checked it out
    return {
        "cart_id": cart.cart_id,
        "items": [
            {**item, "unit_price": rounded(item["unit_price"])} if "unit_price" in item else item
            for item in cart.items
        ],
        "total": rounded(cart.total),
        "currency": cart.currency,
        "total_account": rounded(cart.total_account),
        "updated_at": cart.at,
        "abandoned": cart.abandoned,
    }


def _interests(aggregate: EventAggregate) -> list[Json]:
    spend = aggregate.orders().categories
    views = aggregate.behaviour().viewed
    names = set(spend) | set(views)
    ranked = sorted(names, key=lambda n: (-spend.get(n, (0, 0))[0], -views.get(n, 0), n))
    return [
        {
            "category": name,
            "spend": money(spend.get(name, (0, 0))[0]),
            "quantity": spend.get(name, (0, 0))[1],
            "views": views.get(name, 0),
        }
        for name in ranked[:TOP_INTERESTS]
    ]


def warranty_status(expires_at: date | None, now: datetime) -> str:
    """active, expired, or unknown when no expiry was registered."""
    if expires_at is None:
        return "unknown"
    return "active" if now.date() <= expires_at else "expired"


def _service(aggregate: EventAggregate, now: datetime) -> Json:
    products = sorted(aggregate.products(), key=lambda p: (p.registered_at, p.serial), reverse=True)
    claims = aggregate.claims()
    bookings, sealed = aggregate.bookings()
    conversations = aggregate.conversations()
    upcoming = sorted(
        (b for b in bookings if _upcoming(b, now)),
        key=lambda b: (b.scheduled_at or now, b.booking_id),
    )
    statuses = {s: sealed.get(s, 0) + sum(b.status == s for b in bookings) for s in
                ("attended", "no_show", "cancelled")}  # fmt: skip
    unreported = sum(
        1 for b in bookings if b.status in UPCOMING and b.scheduled_at and b.scheduled_at < now
    )
    sealed_unreported = sum(sealed.get(s, 0) for s in UPCOMING)
    showed = statuses["attended"] + statuses["no_show"]
    topics = sorted(conversations.topics.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "products_owned": [
            {
                "serial": p.serial,
                "model": p.model,
                "product": p.product,
                "category": p.category,
                "purchased_at": p.purchased_at,
                "expires_at": p.expires_at,
                "warranty": warranty_status(p.expires_at, now),
            }
            for p in products
        ],
        "open_claims": [
            {
                "claim_id": c.claim_id,
                "status": c.status or c.state,
                "serial": c.serial,
                "issue": c.issue,
                "opened_at": c.opened_at,
                "updated_at": c.last_at,
            }
            for c in claims
            if c.is_open
        ],
        "closed_claims": sum(1 for c in claims if not c.is_open),
        "upcoming_bookings": [_booking(b) for b in upcoming],
        "past_bookings": showed + unreported + sealed_unreported,
        "attendance": {
            **statuses,
            # Of the bookings that happened or were missed, the share attended.
            "rate": round(statuses["attended"] / showed, 2) if showed else None,
        },
        "recent_conversations": [
            {
                "conversation_id": c.conversation_id,
                "channel": c.channel,
                "topic": c.topic,
                "sentiment": c.sentiment,
                "outcome": c.outcome,
                "summary": c.summary,
                "state": c.state,
                "at": c.last_at,
            }
            for c in conversations.recent[:RECENT_CONVERSATIONS]
        ],
        "conversation_topics": [{"topic": t, "count": n} for t, n in topics[:TOP_TOPICS]],
        "sentiment": {s: conversations.sentiments.get(s, 0) for s in SENTIMENTS},
    }


def _upcoming(booking: Booking, now: datetime) -> bool:
    return (
        booking.status in UPCOMING
        and booking.scheduled_at is not None
        and booking.scheduled_at >= now
    )


def _booking(b: Booking) -> Json:
    return {
        "booking_id": b.booking_id,
        "service": b.service,
        "scheduled_at": b.scheduled_at,
        "location": b.location,
        "staff": b.staff,
        "status": b.status,
    }


def _engagement(marketing: Marketing, consents: Sequence[Consent]) -> Json:
    engaged = {c: n for c, n in marketing.engaged.items() if n > 0}
    preferred = min(engaged, key=lambda c: (-engaged[c], c)) if engaged else None
    channels = sorted(set(marketing.unsubscribes))
    unsubscribed = []
    for channel in channels:
        decision = marketing_decision(channel, consents, marketing)
        if decision is not None and decision[0] == "unsubscribed":
            unsubscribed.append(channel)
    return {
        "sent": marketing.sent,
        "opens": marketing.opened,
        "clicks": marketing.clicked,
        "conversions": marketing.converted,
        "bounces": marketing.bounced,
        "unsubscribes": marketing.unsubscribed,
        "conversion_value": money(marketing.conversion_value_cents),
        "unsubscribed_channels": unsubscribed,
        "preferred_channel": preferred,
        "channel_engagement": dict(sorted(engaged.items())),
        "last_engaged_at": marketing.engaged_at,
    }


def _some(moment: datetime | None) -> list[datetime]:
    return [moment] if moment is not None else []
