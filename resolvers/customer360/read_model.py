"""The read model: the 360 profile and timeline items as typed values, as the API serves them.

Times are datetimes here and ISO-8601 UTC strings ending in ``Z`` on the wire; dates of a
product's purchase or warranty stay dates when the channel sent a date. The API serialises
these models as they are, and the OpenAPI document describes every field a client or a
segment condition can read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from resolvers.timestamps import iso_utc


def _moment_text(moment: date | datetime) -> str:
    return iso_utc(moment) if isinstance(moment, datetime) else moment.isoformat()


Time = Annotated[
    datetime,
    PlainSerializer(iso_utc, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
DateOrTime = Annotated[
    date | datetime,
    PlainSerializer(_moment_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "description": "a date (YYYY-MM-DD) or an ISO-8601 time"}),
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IdentifierView(_Model):
    """One identifier of the customer."""

    key: str
    value: str
    first_seen_at: Time
    last_seen_at: Time


class SourceSeen(_Model):
    """A channel that knows the customer, and when it last said so."""

    source: str
    last_seen_at: Time


class Identity(_Model):
    """Who the customer is in each system."""

    customer_id: str
    first_seen_at: Time | None
    last_seen_at: Time | None
    identifiers: dict[str, list[IdentifierView]] = Field(description="identifiers by kind")
    sources: list[SourceSeen]


class AttributeView(_Model):
    """The surviving value of an attribute and where it came from."""

    value: Any
    source: str
    observed_at: Time
    observation_id: str
    rule: str = Field(description="the survivorship rule that chose it")
    alternatives: int = Field(description="how many other values competed")


class ConsentItem(_Model):
    """The latest say of the customer on one channel and purpose."""

    channel: str
    purpose: str
    state: str
    since: Time
    source: str


class MarketingBasis(_Model):
    """What decides whether marketing may go out on a channel."""

    state: str = Field(description="granted, revoked or unsubscribed")
    since: Time
    source: str


class Consents(_Model):
    """Consents as recorded, and what they allow."""

    items: list[ConsentItem]
    can_contact: dict[str, bool] = Field(description="marketing allowed, by channel")
    marketing: dict[str, MarketingBasis]


class FamilyActivity(_Model):
    """First and last event of a family (sales, service…)."""

    first_at: Time
    last_at: Time


class Stats(_Model):
    """Orders, revenue and activity, in the account currency."""

    orders: int
    orders_completed: int
    revenue: float
    returns: int
    refunded: float
    average_order_value: float | None
    first_order_at: Time | None
    last_order_at: Time | None
    last_activity_at: Time | None
    currency: str
    events: int
    activity_by_family: dict[str, FamilyActivity]


class RfmScores(_Model):
    """Recency, frequency and monetary scores, 1 to 5."""

    r: int
    f: int
    m: int


class Rfm(_Model):
    """RFM: the scores and the segment they make (``prospect`` before any order)."""

    recency_days: int | None
    frequency: int
    monetary: float
    scores: RfmScores | None
    segment: str


class VoucherView(_Model):
    """A voucher the customer can still redeem."""

    voucher_id: str
    value: float | None
    currency: str | None
    value_account: float | None
    expires_at: DateOrTime | None
    description: str | None
    issued_at: Time


class Loyalty(_Model):
    """Points, tier and vouchers."""

    points_balance: int
    points_earned: int
    points_redeemed: int
    balance_reported_at: Time | None
    tier: str | None
    tier_since: Time | None
    active_vouchers: list[VoucherView]
    eligible: bool = Field(description="something to redeem now: points or a live voucher")


class Cart(_Model):
    """The open cart, when no order checked it out since."""

    cart_id: str | None
    items: list[dict[str, Any]]
    total: float | None
    currency: str | None
    total_account: float | None
    updated_at: Time
    abandoned: bool


class WishlistItem(_Model):
    """A product the customer keeps on a wishlist."""

    sku: str
    name: str | None
    category: str | None
    added_at: Time


class Interest(_Model):
    """A product category by what the customer spent on and looked at."""

    category: str
    spend: float
    quantity: int
    views: int


class ProductOwned(_Model):
    """A registered product and its warranty."""

    serial: str
    model: str | None
    product: str | None
    category: str | None
    purchased_at: DateOrTime | None
    expires_at: DateOrTime | None
    warranty: str = Field(description="active, expired or unknown")


class OpenClaim(_Model):
    """A warranty claim not yet closed."""

    claim_id: str
    status: str | None
    serial: str | None
    issue: str | None
    opened_at: Time
    updated_at: Time


class BookingView(_Model):
    """A booked appointment."""

    booking_id: str
    service: str | None
    scheduled_at: Time | None
    location: str | None
    staff: str | None
    status: str


class Attendance(_Model):
    """Bookings attended, missed and cancelled, and the share attended."""

    attended: int
    no_show: int
    cancelled: int
    rate: float | None


class ConversationView(_Model):
    """A recent conversation with the brand."""

    conversation_id: str
    channel: str | None
    topic: str | None
    sentiment: str | None
    outcome: str | None
    summary: str | None
    state: str | None
    at: Time


class TopicCount(_Model):
    """How often a topic came up in conversations."""

    topic: str
    count: int


class Service(_Model):
    """Products, warranty claims, bookings and conversations."""

    products_owned: list[ProductOwned]
    open_claims: list[OpenClaim]
    closed_claims: int
    upcoming_bookings: list[BookingView]
    past_bookings: int
    attendance: Attendance
    recent_conversations: list[ConversationView]
    conversation_topics: list[TopicCount]
    sentiment: dict[str, int]


class Engagement(_Model):
    """What marketing sent and how the customer answered."""

    sent: int
    opens: int
    clicks: int
    conversions: int
    bounces: int
    unsubscribes: int
    conversion_value: float
    unsubscribed_channels: list[str]
    preferred_channel: str | None
    channel_engagement: dict[str, int]
    last_engaged_at: Time | None


class Profile(_Model):
    """The 360 profile of one customer, as of ``as_of``."""

    customer_id: str
    as_of: Time
    identity: Identity
    attributes: dict[str, AttributeView]
    consents: Consents
    stats: Stats
    rfm: Rfm
    loyalty: Loyalty
    cart: Cart | None
    wishlist: list[WishlistItem]
    interests: list[Interest]
    service: Service
    engagement: Engagement
    custom_events: dict[str, int]
    requested_id: str | None = Field(
        default=None, description="the id asked for (an absorbed id answers with its survivor)"
    )
    absorbed_ids: list[str] = Field(default_factory=list, description="ids merged into this one")
    records: int | None = Field(default=None, description="observations behind the attributes")
    matched_identifier: str | None = Field(
        default=None, description="the identifier key a by-identifier lookup matched"
    )


class TimelineItem(_Model):
    """One event of the timeline, readable on its own."""

    id: str
    type: str
    family: str = Field(description="sales, marketing, behaviour, service, loyalty, consent…")
    occurred_at: Time
    source: str
    anchor: str = Field(description="the identifier the event is attached to")
    title: str
    summary: str = Field(description="what happened, in one sentence")
    details: dict[str, Any] = Field(description="the event's data as the channel sent it")
