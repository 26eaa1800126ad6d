"""Compact context for a support agent or an LLM prompt, built from a profile and its timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from resolvers.customer360.timeline import channel_name, format_money

RECENT_ORDERS = 3
NEGATIVE_WINDOW = timedelta(days=90)  # a complaint older than this is history, not an issue
SUMMARY_CHARS = 800
NAME_ATTRIBUTES = ("full_name", "name", "display_name")

Json = dict[str, Any]


def build_context(
    profile: Mapping[str, Any], recent: Sequence[Mapping[str, Any]], now: datetime
) -> Json:
    """Who the customer is, what they own, ordered and wait for, and how they may be contacted.

    ``recent`` are timeline items (``resolvers.customer360.timeline.describe``), newest first.
    """
    identity = profile.get("identity", {})
    loyalty = profile.get("loyalty", {})
    service = profile.get("service", {})
    identifiers = identity.get("identifiers", {})
    who = {
        "name": customer_name(profile.get("attributes", {})),
        "customer_id": profile.get("customer_id"),
        "tier": loyalty.get("tier"),
        "segment": profile.get("rfm", {}).get("segment"),
        "customer_since": identity.get("first_seen_at"),
        "emails": [mask_email(i["value"]) for i in identifiers.get("email", [])],
        "phones": [mask_phone(i["value"]) for i in identifiers.get("phone", [])],
    }
    owns = [
        {
            "product": p.get("product") or p.get("model"),
            "model": p.get("model"),
            "warranty": p.get("warranty"),
            "expires_at": p.get("expires_at"),
        }
        for p in service.get("products_owned", [])
    ]
    context: Json = {
        "who": who,
        "owns": owns,
        "recent_orders": recent_orders(recent),
        "open_issues": _open_issues(service, now),
        "upcoming_bookings": service.get("upcoming_bookings", []),
        "loyalty": {
            "tier": loyalty.get("tier"),
            "points_balance": loyalty.get("points_balance", 0),
            "active_vouchers": loyalty.get("active_vouchers", []),
            "eligible": loyalty.get("eligible", False),
        },
        "contact_rules": contact_rules(profile.get("consents", {})),
    }
    context["summary"] = _summary(context, profile.get("stats", {}))
    return context


def customer_name(attributes: Mapping[str, Any]) -> str | None:
    """A display name from the surviving attributes."""

    def value(name: str) -> str | None:
        found = attributes.get(name)
        text = found.get("value") if isinstance(found, Mapping) else None
        return text.strip() if isinstance(text, str) and text.strip() else None

    for name in NAME_ATTRIBUTES:
        if value(name):
            return value(name)
    parts = [v for v in (value("first_name"), value("last_name")) if v]
    return " ".join(parts) or None


def mask_email(address: str) -> str:
    """``jane.doe@gmail.com`` -> ``j***@gmail.com``."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def mask_phone(number: str) -> str:
    """Every digit hidden but the last 3: ``+886912345678`` -> ``+*********678``."""
    digits = sum(ch.isdigit() for ch in number)
    out, seen = [], 0
    for ch in number:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - 3 else "*")
        else:
            out.append(ch)
    return "".join(out)


def recent_orders(recent: Sequence[Mapping[str, Any]]) -> list[Json]:
    """The last 3 orders on the timeline: latest status, amount, and any refund."""
    orders: dict[str, Json] = {}
    for item in recent:
        details = item.get("details", {})
        if item.get("family") != "sales" or details.get("order_id") is None:
            continue
        order_id = str(details["order_id"])
        if order_id not in orders:
            if len(orders) == RECENT_ORDERS:
                continue
            orders[order_id] = {
                "order_id": order_id,
                "status": str(item.get("type", "")).partition(".")[2],
                "total": None,
                "currency": None,
                "refunded": None,
                "at": item.get("occurred_at"),
                "summary": item.get("summary"),
            }
        order = orders[order_id]
        # Items come newest first: the first amount met is the latest one.
        field = "refunded" if item.get("type") == "order.returned" else "total"
        if order[field] is None and details.get("total") is not None:
            order[field] = details["total"]
            order["currency"] = order["currency"] or details.get("currency")
    return list(orders.values())


def _open_issues(service: Mapping[str, Any], now: datetime) -> list[Json]:
    issues: list[Json] = [
        {
            "kind": "warranty_claim",
            "id": c.get("claim_id"),
            "status": c.get("status"),
            "since": c.get("opened_at"),
            "about": c.get("issue"),
        }
        for c in service.get("open_claims", [])
    ]
    for c in service.get("recent_conversations", []):
        at = c.get("at")
        if c.get("sentiment") == "negative" and at and now - _time(at) <= NEGATIVE_WINDOW:
            issues.append(
                {
                    "kind": "negative_conversation",
                    "id": c.get("conversation_id"),
                    "status": c.get("state"),
                    "since": at,
                    "about": c.get("topic") or c.get("summary"),
                }
            )
    return issues


def contact_rules(consents: Mapping[str, Any]) -> Json:
    """Channels allowed and refused for marketing, and instructions an agent can follow."""
    basis = consents.get("marketing", {})
    allowed = sorted(c for c, b in basis.items() if b.get("state") == "granted")
    blocked = sorted(c for c in basis if c not in allowed)
    unknown = sorted(c for c in consents.get("can_contact", {}) if c not in basis)
    instructions = []
    for channel in blocked:
        state, day = basis[channel].get("state"), str(basis[channel].get("since", ""))[:10]
        why = "unsubscribed" if state == "unsubscribed" else "consent revoked"
        instructions.append(f"Do not send marketing by {channel_name(channel)}: {why} {day}.")
    if unknown:
        names = _join([channel_name(c) for c in unknown])
        instructions.append(f"Do not send marketing by {names}: no consent recorded.")
    if allowed:
        names = _join([channel_name(c) for c in allowed])
        instructions.append(f"Marketing may be sent by {names}.")
    return {
        "marketing_allowed": allowed,
        "marketing_blocked": blocked,
        "instructions": instructions,
    }


def _summary(context: Mapping[str, Any], stats: Mapping[str, Any]) -> str:
    """Sentences, most important first, so that cutting to length loses the least."""
    who = context["who"]
    opening = f"{who.get('name') or 'This customer'} (customer {who.get('customer_id')})"
    if who.get("tier"):
        opening += f", {who['tier']} tier"
    if who.get("customer_since"):
        opening += f", known since {str(who['customer_since'])[:10]}"
    lines = [opening + "."]
    rules = context["contact_rules"]["instructions"]
    lines.extend(r for r in rules if r.startswith("Do not"))
    for issue in context["open_issues"]:
        claim = issue["kind"] == "warranty_claim"
        kind = "Open warranty claim" if claim else "Unhappy conversation"
        about = f" about {issue['about']}" if issue.get("about") else ""
        lines.append(f"{kind} {issue['id']}{about} since {str(issue['since'])[:10]}.")
    for booking in context["upcoming_bookings"][:2]:
        what = booking.get("service") or f"booking {booking.get('booking_id')}"
        lines.append(f"Upcoming: {what} on {_minute(booking.get('scheduled_at'))}.")
    if stats.get("orders"):
        spent = format_money(stats.get("revenue", 0), stats.get("currency"))
        lines.append(f"{stats['orders']} order(s), {spent} spent.")
    for order in context["recent_orders"][:1]:
        lines.append(f"Latest order: {order['summary']}.")
    if context["owns"]:
        owned = ", ".join(f"{p['product']} (warranty {p['warranty']})" for p in context["owns"][:3])
        lines.append(f"Owns {owned}.")
    loyalty = context["loyalty"]
    vouchers = len(loyalty["active_vouchers"])
    if loyalty["points_balance"] or vouchers:
        lines.append(f"{loyalty['points_balance']:,} points, {vouchers} active voucher(s).")
    lines.extend(r for r in rules if not r.startswith("Do not"))
    return _fit(lines, SUMMARY_CHARS)


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _fit(sentences: Sequence[str], limit: int) -> str:
    """Sentences joined by spaces, the last one that fits cut with an ellipsis."""
    text = ""
    for sentence in sentences:
        joined = f"{text} {sentence}".strip()
        if len(joined) <= limit:
            text = joined
            continue
        room = limit - len(text) - (2 if text else 1)
        if room > 20:
            text = f"{text} {sentence[:room].rstrip()}…".strip()
        break
    return text


def _minute(text: Any) -> str:
    return f"{str(text)[:16].replace('T', ' ')} UTC" if text else "a date to be confirmed"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
