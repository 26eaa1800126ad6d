"""How the timeline writes things: channels, money, item counts, products, times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

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


def channel_name(channel: Any) -> str:
    """A channel as people write it (LINE, SMS, e-mail)."""
    return CHANNEL_NAMES.get(str(channel), str(channel))


def format_money(amount: Any, currency: Any) -> str:
    """``TWD 1,280.00``."""
    return f"{currency or ''} {float(amount):,.2f}".strip()


def money_of(data: Data, account: str, field: str = "total") -> str | None:
    """An amount as given, with its account-currency value when the currency differs."""
    amount = data.get(field)
    if amount is None:
        return None
    shown = format_money(amount, data.get("currency"))
    converted = data.get(f"{field}_account")
    if converted is not None and str(data.get("currency", "")).upper() != account.upper():
        shown += f" ({format_money(converted, account.upper())})"
    return shown


def count_items(data: Data) -> str | None:
    items = data.get("items")
    if not isinstance(items, list) or not items:
        return None
    n = sum(i.get("quantity", 1) for i in items if isinstance(i, Mapping))
    return f"{n} item" if n == 1 else f"{n} items"


def product_name(data: Data) -> str:
    name = data.get("name")
    return f"{name} ({data.get('sku')})" if name else f"product {data.get('sku')}"


def when(text: Any) -> str:
    """A date, or a UTC date and time to the minute, from an ISO string."""
    try:
        parsed = parse_moment(str(text))
    except ValueError:
        return str(text)
    if isinstance(parsed, datetime):
        return parsed.strftime("%Y-%m-%d %H:%M UTC")
    return parsed.isoformat()


def shortened(text: Any, limit: int) -> str:
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"
