"""Timeline items: each event as a short, self-explaining English line and its details."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from resolvers.customer360.event_schemas import family_of
from resolvers.customer360.events import Event
from resolvers.customer360.read_model import TimelineItem
from resolvers.timestamps import parse_moment

Data = Mapping[str, Any]

CHANNEL_NAMES = {
    "email": "e-mail",
    "sms": "SMS",
    "line": "LINE",
    "whatsapp": "WhatsApp",
    "messenger": "Messenger",
    "wechat": "WeChat",
    "instagram": "Instagram",
    "push": "push notification",
    "web": "the web",
    "phone": "phone",
    "post": "post",
    "chat": "chat",
    "store": "in store",
    "any": "any channel",
    "other": "another channel",
}
TITLES = {
    "order.placed": "Order placed",
    "order.completed": "Order completed",
    "order.returned": "Order returned",
    "marketing.sent": "Campaign sent",
    "marketing.opened": "Campaign opened",
    "marketing.clicked": "Campaign clicked",
    "marketing.converted": "Campaign converted",
    "marketing.bounced": "Campaign bounced",
    "marketing.unsubscribed": "Unsubscribed",
    "web.page_viewed": "Page viewed",
    "web.product_viewed": "Product viewed",
    "web.searched": "Searched",
    "cart.updated": "Cart updated",
    "cart.abandoned": "Cart abandoned",
    "wishlist.added": "Added to wishlist",
    "wishlist.removed": "Removed from wishlist",
    "warranty.registered": "Warranty registered",
    "warranty.claim_opened": "Warranty claim opened",
    "warranty.claim_updated": "Warranty claim updated",
    "warranty.claim_closed": "Warranty claim closed",
    "booking.booked": "Booking made",
    "booking.rescheduled": "Booking rescheduled",
    "booking.cancelled": "Booking cancelled",
    "booking.attended": "Booking attended",
    "booking.no_show": "Booking missed",
    "conversation.opened": "Conversation opened",
    "conversation.closed": "Conversation closed",
    "loyalty.points_earned": "Points earned",
    "loyalty.points_redeemed": "Points redeemed",
    "loyalty.tier_changed": "Tier changed",
    "loyalty.voucher_issued": "Voucher issued",
    "loyalty.voucher_redeemed": "Voucher redeemed",
    "loyalty.voucher_expired": "Voucher expired",
    "consent.granted": "Consent granted",
    "consent.revoked": "Consent revoked",
}


def describe(event: Event, account_currency: str) -> TimelineItem:
    """A timeline item readable on its own: what happened, in a title and a sentence."""
    data = event.data
    prefix, _, verb = event.type.partition(".")
    sentence = SENTENCES.get(prefix, _custom)(event.type, verb, data, account_currency)
    return TimelineItem(
        id=event.id,
        type=event.type,
        family=family_of(event.type),
        occurred_at=event.occurred_at,
        source=event.source,
        anchor=event.anchor,
        title=TITLES.get(event.type) or _title(event.type),
        summary=sentence,
        details=dict(data),
    )


def channel_name(channel: Any) -> str:
    """A channel as people write it (LINE, SMS, e-mail)."""
    return CHANNEL_NAMES.get(str(channel), str(channel))


def format_money(amount: Any, currency: Any) -> str:
    """``TWD 1,280.00``."""
    return f"{currency or ''} {float(amount):,.2f}".strip()


def _title(event_type: str) -> str:
    """``custom.survey.completed`` -> ``Survey completed``."""
    name = event_type.removeprefix("custom.").replace(".", " ").replace("_", " ")
    return name[:1].upper() + name[1:]


def _money_of(data: Data, account: str, field: str = "total") -> str | None:
    """An amount as given, with its account-currency value when the currency differs."""
    amount = data.get(field)
    if amount is None:
        return None
    shown = format_money(amount, data.get("currency"))
    converted = data.get(f"{field}_account")
    if converted is not None and str(data.get("currency", "")).upper() != account.upper():
        shown += f" ({format_money(converted, account.upper())})"
    return shown


def _count_items(data: Data) -> str | None:
    items = data.get("items")
    if not isinstance(items, list) or not items:
        return None
    n = sum(i.get("quantity", 1) for i in items if isinstance(i, Mapping))
    return f"{n} item" if n == 1 else f"{n} items"


def _order(event_type: str, verb: str, data: Data, currency: str) -> str:
    amount = _money_of(data, currency)
    if verb == "returned" and amount:
        amount = f"{amount} refunded"
    parts = [p for p in (_count_items(data), amount) if p]
    head = f"Order {data.get('order_id')} {verb}"
    return f"{head}: {', '.join(parts)}" if parts else head


def _marketing(event_type: str, verb: str, data: Data, currency: str) -> str:
    campaign = data.get("campaign") or data.get("campaign_id")
    by = channel_name(data.get("channel"))
    if verb == "unsubscribed":
        return f"Unsubscribed from marketing by {by} (campaign {campaign})"
    line = f"Campaign {campaign} {verb} by {by}"
    if verb == "clicked" and data.get("url"):
        line += f": {data['url']}"
    if verb == "converted" and data.get("value") is not None:
        line += f": {_money_of(data, currency, 'value')}"
    return line


def _web(event_type: str, verb: str, data: Data, _currency: str) -> str:
    if verb == "searched":
        return f'Searched for "{data.get("query")}"'
    if verb == "product_viewed":
        return f"Viewed {_product(data)}"
    return f"Viewed {data.get('title') or data.get('url')}"


def _cart(event_type: str, verb: str, data: Data, currency: str) -> str:
    parts = [p for p in (_count_items(data) or "empty", _money_of(data, currency)) if p]
    return f"Cart {verb}: {', '.join(parts)}"


def _wishlist(event_type: str, verb: str, data: Data, _currency: str) -> str:
    return f"{'Added' if verb == 'added' else 'Removed'} {_product(data)} " + (
        "to the wishlist" if verb == "added" else "from the wishlist"
    )


def _warranty(event_type: str, verb: str, data: Data, _currency: str) -> str:
    if verb == "registered":
        line = f"Warranty registered for {data.get('model')} (serial {data.get('serial')})"
        return line + (f", valid until {data['expires_at']}" if data.get("expires_at") else "")
    state = verb.removeprefix("claim_")
    detail = {
        "opened": data.get("issue"),
        "updated": data.get("status"),
        "closed": data.get("resolution"),
    }.get(state)
    head = f"Warranty claim {data.get('claim_id')} {state}"
    return f"{head}: {detail}" if detail else head


def _booking(event_type: str, verb: str, data: Data, _currency: str) -> str:
    line = f"Booking {data.get('booking_id')}"
    if data.get("service"):
        line += f" for {data['service']}"
    if data.get("scheduled_at"):
        line += f" on {_when(data['scheduled_at'])}"
    return f"{line} {'missed (no-show)' if verb == 'no_show' else verb}"


def _conversation(event_type: str, verb: str, data: Data, _currency: str) -> str:
    line = f"Conversation on {channel_name(data.get('channel'))}"
    if data.get("topic"):
        line += f" about {data['topic']}"
    if data.get("sentiment"):
        line += f" ({data['sentiment']})"
    if verb == "closed":
        line += " closed" + (f" ({data['outcome']})" if data.get("outcome") else "")
    summary = data.get("summary")
    return f"{line}: {_shorten(summary, 200)}" if summary else line


def _loyalty(event_type: str, verb: str, data: Data, currency: str) -> str:
    if verb.startswith("points_"):
        done = "Earned" if verb == "points_earned" else "Redeemed"
        line = f"{done} {data.get('points', 0):,} points"
        if data.get("balance_after") is not None:
            line += f" (balance {data['balance_after']:,})"
        return line + (f" for {data['reason']}" if data.get("reason") else "")
    if verb == "tier_changed":
        previous = data.get("previous_tier")
        return (
            f"Tier changed {'from ' + str(previous) + ' ' if previous else ''}to {data.get('tier')}"
        )
    state = verb.removeprefix("voucher_")
    line = f"Voucher {data.get('voucher_id')} {state}"
    extra = [p for p in (_money_of(data, currency, "value"), data.get("description")) if p]
    if state == "issued" and data.get("expires_at"):
        extra.append(f"expires {_when(data['expires_at'])}")
    return f"{line}: {', '.join(extra)}" if extra else line


def _consent(event_type: str, verb: str, data: Data, _currency: str) -> str:
    purpose = str(data.get("purpose", "")).replace("_", " ")
    purpose = "every purpose" if purpose == "any" else purpose
    return f"Consent {verb} for {purpose} by {channel_name(data.get('channel'))}"


def _custom(event_type: str, verb: str, data: Data, _currency: str) -> str:
    return f"Custom event {event_type}"


def _product(data: Data) -> str:
    name = data.get("name")
    return f"{name} ({data.get('sku')})" if name else f"product {data.get('sku')}"


def _when(text: Any) -> str:
    """A date, or a UTC date and time to the minute, from an ISO string."""
    try:
        parsed = parse_moment(str(text))
    except ValueError:
        return str(text)
    if isinstance(parsed, datetime):
        return parsed.strftime("%Y-%m-%d %H:%M UTC")
    return parsed.isoformat()


def _shorten(text: Any, limit: int) -> str:
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


Sentence = Callable[[str, str, Data, str], str]
SENTENCES: dict[str, Sentence] = {
    "order": _order,
    "marketing": _marketing,
    "web": _web,
    "cart": _cart,
    "wishlist": _wishlist,
    "warranty": _warranty,
    "booking": _booking,
    "conversation": _conversation,
    "loyalty": _loyalty,
    "consent": _consent,
}
