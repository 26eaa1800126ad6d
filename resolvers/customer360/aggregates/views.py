"""Typed readings of an aggregate's state, for the profile to finish with a clock."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from resolvers.customer360.aggregates.state import SEALED_ORDERS, order_figures
from resolvers.customer360.crdt import CEILING
from resolvers.timestamps import from_stamp, parse_moment

RECENT_CONVERSATIONS = 20
State = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Activity:
    """How many events of which type, when, and from which sources."""

    counts: dict[str, int]
    custom: dict[str, int]
    first_at: datetime | None
    last_at: datetime | None
    families: dict[str, tuple[datetime, datetime]]
    sources: dict[str, datetime]


@dataclass(frozen=True, slots=True)
class OrderTotals:
    """Orders, each counted once; money in cents of the account currency."""

    orders: int
    placed: int
    completed: int
    returned: int
    counted: int  # orders with revenue left after refunds
    revenue_cents: int
    refunded_cents: int
    first_at: datetime | None
    last_at: datetime | None
    categories: dict[str, tuple[int, int]]  # category -> (spend cents, quantity), net


@dataclass(frozen=True, slots=True)
class Marketing:
    """Campaign engagement and the channels the customer unsubscribed from."""

    sent: int
    opened: int
    clicked: int
    converted: int
    bounced: int
    unsubscribed: int
    conversion_value_cents: int
    engaged: dict[str, int]  # channel -> opens + clicks
    engaged_at: datetime | None
    unsubscribes: dict[str, tuple[datetime, str, str]]  # channel -> (time, event id, source)


@dataclass(frozen=True, slots=True)
class Cart:
    """The latest cart event's cart."""

    at: datetime
    event_id: str
    abandoned: bool
    cart_id: str | None
    items: list[dict[str, Any]]
    total: float | None
    currency: str | None
    total_account: float | None


@dataclass(frozen=True, slots=True)
class WishItem:
    """A product on the wishlist now."""

    sku: str
    name: str | None
    category: str | None
    added_at: datetime


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Browsing, searching, the cart and the wishlist."""

    page_views: int
    product_views: int
    searches: int
    viewed: dict[str, int]  # category -> product views
    cart: Cart | None
    wishlist: list[WishItem]  # newest first


@dataclass(frozen=True, slots=True)
class Product:
    """A product registered for warranty."""

    serial: str
    model: str | None
    product: str | None
    category: str | None
    purchased_at: date | None
    expires_at: date | None
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class Claim:
    """A warranty claim at its latest state."""

    claim_id: str
    state: str  # opened, updated or closed
    status: str | None
    serial: str | None
    issue: str | None
    resolution: str | None
    opened_at: datetime
    closed_at: datetime | None
    last_at: datetime

    @property
    def is_open(self) -> bool:
        """Whether the claim still waits for an answer."""
        return self.state != "closed"


@dataclass(frozen=True, slots=True)
class Booking:
    """A booking at its latest status."""

    booking_id: str
    status: str  # booked, rescheduled, cancelled, attended or no_show
    scheduled_at: datetime | None
    service: str | None
    location: str | None
    staff: str | None
    last_at: datetime


@dataclass(frozen=True, slots=True)
class Conversation:
    """A support conversation at its latest state."""

    conversation_id: str
    state: str
    channel: str | None
    topic: str | None
    sentiment: str | None
    outcome: str | None
    summary: str | None
    agent: str | None
    opened_at: datetime
    last_at: datetime


@dataclass(frozen=True, slots=True)
class Conversations:
    """The newest conversations and what all of them were about."""

    recent: list[Conversation]  # newest first
    topics: dict[str, int]
    sentiments: dict[str, int]


@dataclass(frozen=True, slots=True)
class Voucher:
    """A voucher at its latest state."""

    voucher_id: str
    state: str  # issued, redeemed or expired
    value: float | None
    currency: str | None
    value_account: float | None
    expires_at: date | datetime | None
    description: str | None
    issued_at: datetime
    last_at: datetime


@dataclass(frozen=True, slots=True)
class Loyalty:
    """Points, the latest balance and tier, and vouchers."""

    earned: int
    redeemed: int
    balance: int | None
    balance_at: datetime | None
    tier: str | None
    tier_at: datetime | None
    vouchers: list[Voucher]


@dataclass(frozen=True, slots=True)
class Consent:
    """The latest consent decision for one channel and purpose."""

    channel: str
    purpose: str
    state: str  # granted or revoked
    at: datetime
    event_id: str
    source: str


def activity(state: State) -> Activity:
    """Counts and times of all events."""
    first, last = state.get("family_first", {}), state.get("family_last", {})
    return Activity(
        counts=dict(state.get("counts", {})),
        custom=dict(state.get("custom", {})),
        first_at=_time(state.get("first_at")),
        last_at=_time(state.get("last_at")),
        families={f: (from_stamp(first[f]), from_stamp(last[f])) for f in sorted(first)},
        sources={s: from_stamp(at) for s, at in sorted(state.get("sources", {}).items())},
    )


def orders(state: State) -> OrderTotals:
    """Order counts, revenue net of refunds, and spend by category."""
    totals = Counter({k: state.get("orders_sealed", {}).get(k, 0) for k in SEALED_ORDERS})
    categories = Counter({k: v[0] for k, v in state.get("sealed_categories", {}).items()})
    quantities = Counter({k: v[1] for k, v in state.get("sealed_categories", {}).items()})
    for entry in state.get("orders", {}).values():
        figures, mix = order_figures(entry)
        totals.update(figures)
        for category, (spend, quantity) in mix.items():
            categories[category] += spend
            quantities[category] += quantity
    totals = Counter({k: min(v, CEILING) for k, v in totals.items()})
    categories = Counter({k: min(v, CEILING) for k, v in categories.items()})
    quantities = Counter({k: min(v, CEILING) for k, v in quantities.items()})
    return OrderTotals(
        orders=totals["orders"],
        placed=totals["placed"],
        completed=totals["completed"],
        returned=totals["returned"],
        counted=totals["counted"],
        revenue_cents=totals["revenue"],
        refunded_cents=totals["refunded"],
        first_at=_time(state.get("order_first_at")),
        last_at=_time(state.get("order_last_at")),
        categories={k: (categories[k], quantities[k]) for k in sorted(categories)},
    )


def marketing(state: State) -> Marketing:
    """Engagement with campaigns."""
    counts = state.get("counts", {})
    verbs = ("sent", "opened", "clicked", "converted", "bounced", "unsubscribed")
    n = {verb: counts.get(f"marketing.{verb}", 0) for verb in verbs}
    return Marketing(
        **n,
        conversion_value_cents=state.get("conversion_value", 0),
        engaged=dict(sorted(state.get("engaged", {}).items())),
        engaged_at=_time(state.get("engaged_at")),
        unsubscribes={
            channel: (from_stamp(r[0]), r[1], r[2])
            for channel, r in sorted(state.get("unsubscribed", {}).items())
        },
    )


def behaviour(state: State) -> Behaviour:
    """Browsing, cart and wishlist."""
    counts = state.get("counts", {})
    cart = None
    if "cart" in state:
        at, eid, value = state["cart"]
        cart = Cart(
            at=from_stamp(at),
            event_id=eid,
            abandoned=value["abandoned"],
            cart_id=value.get("cart_id"),
            items=list(value.get("items", [])),
            total=value.get("total"),
            currency=value.get("currency"),
            total_account=value.get("total_account"),
        )
    wished = sorted(
        ((r[0], r[1], sku, r[2]) for sku, r in state.get("wishlist", {}).items() if r[2]["added"]),
        reverse=True,
    )
    return Behaviour(
        page_views=counts.get("web.page_viewed", 0),
        product_views=counts.get("web.product_viewed", 0),
        searches=counts.get("web.searched", 0),
        viewed=dict(sorted(state.get("viewed", {}).items())),
        cart=cart,
        wishlist=[
            WishItem(sku, value.get("name"), value.get("category"), from_stamp(at))
            for at, _, sku, value in wished
        ],
    )


def products(state: State) -> list[Product]:
    """Registered products, by serial."""
    out = []
    for serial, (at, _, value) in sorted(state.get("products", {}).items()):
        out.append(
            Product(
                serial=serial,
                model=value.get("model"),
                product=value.get("product"),
                category=value.get("category"),
                purchased_at=_day(value.get("purchased_at")),
                expires_at=_day(value.get("expires_at")),
                registered_at=from_stamp(at),
            )
        )
    return out


def claims(state: State) -> list[Claim]:
    """Warranty claims, newest activity first."""
    out = []
    for claim_id, e in state.get("claims", {}).items():
        closed = e["state"][2] == "closed"
        out.append(
            Claim(
                claim_id=claim_id,
                state=e["state"][2],
                status=_value(e, "status"),
                serial=_value(e, "serial"),
                issue=_value(e, "issue"),
                resolution=_value(e, "resolution"),
                opened_at=from_stamp(e["first_at"]),
                closed_at=_time(e.get("closed_at")) if closed else None,
                last_at=from_stamp(e["last_at"]),
            )
        )
    return sorted(out, key=lambda c: (c.last_at, c.claim_id), reverse=True)


def bookings(state: State) -> tuple[list[Booking], dict[str, int]]:
    """Bookings by booking id, and the statuses of bookings too old to keep one by one."""
    out = []
    for booking_id, e in sorted(state.get("bookings", {}).items()):
        scheduled = _value(e, "scheduled_at")
        out.append(
            Booking(
                booking_id=booking_id,
                status=e["state"][2],
                scheduled_at=_datetime(scheduled),
                service=_value(e, "service"),
                location=_value(e, "location"),
                staff=_value(e, "staff"),
                last_at=from_stamp(e["last_at"]),
            )
        )
    return out, dict(state.get("bookings_sealed", {}))


def conversations(state: State) -> Conversations:
    """The 20 newest conversations, and topic and sentiment counts of all."""
    entries = state.get("conversations", {})
    topics: Counter[str] = Counter(state.get("topics_sealed", {}))
    sentiments: Counter[str] = Counter(state.get("sentiments_sealed", {}))
    for e in entries.values():
        if "topic" in e:
            topics[e["topic"][2]] += 1
        if "sentiment" in e:
            sentiments[e["sentiment"][2]] += 1
    newest = sorted(entries.items(), key=lambda kv: (kv[1]["last_at"], kv[0]), reverse=True)
    recent = [
        Conversation(
            conversation_id=cid,
            state=e["state"][2],
            channel=_value(e, "channel"),
            topic=_value(e, "topic"),
            sentiment=_value(e, "sentiment"),
            outcome=_value(e, "outcome"),
            summary=_value(e, "summary"),
            agent=_value(e, "agent"),
            opened_at=from_stamp(e["first_at"]),
            last_at=from_stamp(e["last_at"]),
        )
        for cid, e in newest[:RECENT_CONVERSATIONS]
    ]
    return Conversations(
        recent=recent,
        topics=dict(sorted(topics.items())),
        sentiments=dict(sorted(sentiments.items())),
    )


def loyalty(state: State) -> Loyalty:
    """Points, balance, tier and vouchers."""
    balance, tier = state.get("balance"), state.get("tier")
    vouchers = []
    for voucher_id, e in sorted(state.get("vouchers", {}).items()):
        value = _value(e, "value") or {}
        expires = _value(e, "expires_at")
        vouchers.append(
            Voucher(
                voucher_id=voucher_id,
                state=e["state"][2],
                value=value.get("value"),
                currency=value.get("currency"),
                value_account=value.get("value_account"),
                expires_at=parse_moment(expires) if isinstance(expires, str) else None,
                description=_value(e, "description"),
                issued_at=from_stamp(e["first_at"]),
                last_at=from_stamp(e["last_at"]),
            )
        )
    return Loyalty(
        earned=state.get("points_earned", 0),
        redeemed=state.get("points_redeemed", 0),
        balance=balance[2] if balance else None,
        balance_at=from_stamp(balance[0]) if balance else None,
        tier=tier[2] if tier else None,
        tier_at=from_stamp(tier[0]) if tier else None,
        vouchers=vouchers,
    )


def consents(state: State) -> list[Consent]:
    """The latest decision per channel and purpose, by channel then purpose."""
    out = []
    for key, (at, eid, value) in sorted(state.get("consents", {}).items()):
        channel, _, purpose = key.partition(":")
        out.append(Consent(channel, purpose, value["state"], from_stamp(at), eid, value["source"]))
    return out


def _value(entry: dict[str, Any], field: str) -> Any:
    register = entry.get(field)
    return register[2] if register else None


def _time(text: str | None) -> datetime | None:
    return from_stamp(text) if text else None


def _day(text: Any) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) else None


def _datetime(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    parsed = parse_moment(text)
    return parsed if isinstance(parsed, datetime) else None
