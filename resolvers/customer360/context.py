"""Compact context for a support agent or an LLM prompt, built from a profile and its timeline."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal

import phonenumbers

from resolvers.customer360.read_model import (
    AttributeView,
    Consents,
    IdentifierView,
    Profile,
    Service,
    Stats,
    TimelineItem,
)
from resolvers.customer360.timeline import channel_name, format_money
from resolvers.timestamps import iso_utc

RECENT_ORDERS = 3
NEGATIVE_WINDOW = timedelta(days=90)  # a complaint older than this is history, not an issue
SUMMARY_CHARS = 800
NAME_ATTRIBUTES = ("full_name", "name", "display_name")
MIN_CHARS = 300  # the smallest budget a context can be fitted to
CONTACT_KINDS = ("email", "phone", "whatsapp_id")  # identifiers that are contact values
HIDDEN = "[hidden]"

Json = dict[str, Any]
ContactView = Literal["masked", "hidden", "full"]


def build_context(
    profile: Profile,
    recent: Sequence[TimelineItem],
    now: datetime,
    *,
    contacts: ContactView = "masked",
    summary_chars: int = SUMMARY_CHARS,
) -> Json:
    """What limits what may be said or sent, then who the customer is, what they own, ordered
    and wait for.

    ``recent`` are timeline items (``resolvers.customer360.timeline.describe``), newest first.
    ``contacts``: e-mails and phones ``masked`` (``j***@gmail.com``), ``hidden`` altogether,
    or in ``full``; unless ``full``, a contact value met anywhere else (a conversation
    summary…) is masked or hidden too. The summary keeps within ``summary_chars``.
    """
    identity, loyalty, service = profile.identity, profile.loyalty, profile.service
    identifiers = identity.identifiers
    emails = [i.value for i in identifiers.get("email", [])]
    phones = [i.value for i in identifiers.get("phone", [])]
    who = {
        "name": customer_name(profile.attributes),
        "customer_id": profile.customer_id,
        "tier": loyalty.tier,
        "segment": profile.rfm.segment,
        "customer_since": _text(identity.first_seen_at),
        "emails": emails if contacts == "full" else [_shown(e, contacts) for e in emails],
        "phones": phones if contacts == "full" else [_shown(p, contacts) for p in phones],
    }
    owns = [
        {
            "product": p.product or p.model,
            "model": p.model,
            "warranty": p.warranty,
            "expires_at": _text(p.expires_at),
        }
        for p in service.products_owned
    ]
    context: Json = {
        "contact_rules": contact_rules(profile.consents),
        "open_issues": _open_issues(service, now),
        "who": who,
        "owns": owns,
        "recent_orders": recent_orders(recent),
        "upcoming_bookings": [b.model_dump(mode="json") for b in service.upcoming_bookings],
        "loyalty": {
            "tier": loyalty.tier,
            "points_balance": loyalty.points_balance,
            "active_vouchers": [v.model_dump(mode="json") for v in loyalty.active_vouchers],
            "eligible": loyalty.eligible,
        },
    }
    if contacts != "full":
        context = redact(context, contact_values(identifiers), contacts)
    context["summary"] = _summary(context, profile.stats, summary_chars)
    return context


def _text(moment: date | datetime | None) -> str | None:
    """A time as the API writes it (ISO-8601 UTC ending in Z), a date as YYYY-MM-DD."""
    if moment is None:
        return None
    return iso_utc(moment) if isinstance(moment, datetime) else moment.isoformat()


def _shown(value: str, contacts: ContactView) -> str:
    if contacts == "hidden":
        return HIDDEN
    return mask_email(value) if "@" in value else mask_phone(value)


def contact_values(identifiers: Mapping[str, Sequence[IdentifierView | str]]) -> dict[str, str]:
    """Every form a customer's contact values may be written in, each with its mask.

    A phone is also met as its digits without ``+`` and in national form (``0912345678``).
    """
    out: dict[str, str] = {}
    for kind in CONTACT_KINDS:
        for item in identifiers.get(kind, []):
            value = item.value if isinstance(item, IdentifierView) else str(item)
            if not value:
                continue
            if "@" in value:
                out[value] = mask_email(value)
                continue
            masked = mask_phone(value)
            for form in _phone_forms(value):
                out[form] = masked
    return out


def _phone_forms(value: str) -> list[str]:
    forms = [value]
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 5:
        forms.append(digits)
    try:
        national = str(
            phonenumbers.parse(
                value if value.startswith("+") else f"+{digits}", None
            ).national_number
        )
    except phonenumbers.NumberParseException:
        return forms
    if len(national) >= 5:
        forms.extend((national, f"0{national}"))
    return forms


def redact(value: Any, secrets: Mapping[str, str], contacts: ContactView = "masked") -> Any:
    """``value`` with every occurrence of a secret, in any case, replaced by its mask (or by
    ``[hidden]``); strings are searched wherever they are nested."""
    if not secrets:
        return value
    masks = {s.casefold(): HIDDEN if contacts == "hidden" else m for s, m in secrets.items()}
    ordered = sorted(secrets, key=len, reverse=True)  # a longer form wins over its tail
    pattern = re.compile("|".join(re.escape(s) for s in ordered), re.IGNORECASE)

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(lambda m: masks.get(m.group().casefold(), HIDDEN), item)
        if isinstance(item, Mapping):
            return {k: walk(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [walk(v) for v in item]
        return item

    return walk(value)


# What a tight budget gives up first: each list loses its last (oldest, least) items.
TRIM_ORDER: tuple[tuple[str, ...], ...] = (
    ("loyalty", "active_vouchers"),
    ("upcoming_bookings",),
    ("owns",),
    ("recent_orders",),
)
# Then the summary shortens, then these; the rules about contact go last of all.
LAST_TRIMS: tuple[tuple[str, ...], ...] = (
    ("who", "phones"),
    ("who", "emails"),
    ("open_issues",),
    ("contact_rules", "instructions"),
)
DROP_ORDER = ("loyalty", "upcoming_bookings", "owns", "recent_orders", "summary", "who")


def json_chars(doc: Any) -> int:
    """How many characters ``doc`` takes as compact JSON (as the API serialises it)."""
    return len(json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str))


def fit_json(context: Mapping[str, Any], max_chars: int) -> Json:
    """The context within ``max_chars`` of compact JSON, giving up the least important first.

    What was cut is counted under ``omitted`` (list name -> items left out; a whole section
    dropped counts 1) and ``truncated`` is true; the rules about contact and the open issues
    are cut last.
    """
    if max_chars < MIN_CHARS:
        raise ValueError(f"a context budget is at least {MIN_CHARS} characters")
    doc: Json = json.loads(json.dumps(context, default=str))
    if json_chars(doc) <= max_chars:
        return doc
    omitted: dict[str, int] = {}
    doc["truncated"] = True
    doc["omitted"] = omitted

    def over() -> bool:
        return json_chars(doc) > max_chars

    def trim(path: tuple[str, ...]) -> None:
        parent: Any = doc
        for name in path[:-1]:
            parent = parent.get(name) if isinstance(parent, dict) else None
        items = parent.get(path[-1]) if isinstance(parent, dict) else None
        name = ".".join(path)
        while over() and isinstance(items, list) and items:
            items.pop()
            omitted[name] = omitted.get(name, 0) + 1

    for path in TRIM_ORDER:
        trim(path)
    if over() and isinstance(doc.get("summary"), str):
        room = len(doc["summary"]) - (json_chars(doc) - max_chars) - 1
        doc["summary"] = shorten(doc["summary"], room)
    for path in LAST_TRIMS:
        trim(path)
    for name in DROP_ORDER:
        if over() and name in doc:
            del doc[name]
            for trimmed in [k for k in omitted if k.startswith(f"{name}.")]:
                del omitted[trimmed]
            omitted[name] = 1
    if over():
        del doc["omitted"]
    while over() and doc.get("contact_rules"):
        doc["contact_rules"].popitem()
    return doc


def shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word with an ellipsis ("" if no room)."""
    if len(text) <= limit:
        return text
    if limit < 20:
        return ""
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;")
    return f"{cut}…"


def customer_name(attributes: Mapping[str, AttributeView]) -> str | None:
    """A display name from the surviving attributes."""

    def value(name: str) -> str | None:
        found = attributes.get(name)
        text = found.value if found is not None else None
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


def recent_orders(recent: Sequence[TimelineItem]) -> list[Json]:
    """The last 3 orders on the timeline: latest status, amount, and any refund."""
    orders: dict[str, Json] = {}
    for item in recent:
        details = item.details
        if item.family != "sales" or details.get("order_id") is None:
            continue
        order_id = str(details["order_id"])
        if order_id not in orders:
            if len(orders) == RECENT_ORDERS:
                continue
            orders[order_id] = {
                "order_id": order_id,
                "status": item.type.partition(".")[2],
                "total": None,
                "currency": None,
                "refunded": None,
                "at": _text(item.occurred_at),
                "summary": item.summary,
            }
        order = orders[order_id]
        # Items come newest first: the first amount met is the latest one.
        field = "refunded" if item.type == "order.returned" else "total"
        if order[field] is None and details.get("total") is not None:
            order[field] = details["total"]
            order["currency"] = order["currency"] or details.get("currency")
    return list(orders.values())


def _open_issues(service: Service, now: datetime) -> list[Json]:
    issues: list[Json] = [
        {
            "kind": "warranty_claim",
            "id": c.claim_id,
            "status": c.status,
            "since": _text(c.opened_at),
            "about": c.issue,
        }
        for c in service.open_claims
    ]
    for c in service.recent_conversations:
        if c.sentiment == "negative" and now - c.at <= NEGATIVE_WINDOW:
            issues.append(
                {
                    "kind": "negative_conversation",
                    "id": c.conversation_id,
                    "status": c.state,
                    "since": _text(c.at),
                    "about": c.topic or c.summary,
                }
            )
    return issues


def contact_rules(consents: Consents) -> Json:
    """Channels allowed and refused for marketing, and instructions an agent can follow."""
    basis = consents.marketing
    allowed = sorted(c for c, b in basis.items() if b.state == "granted")
    blocked = sorted(c for c in basis if c not in allowed)
    unknown = sorted(c for c in consents.can_contact if c not in basis)
    instructions = []
    for channel in blocked:
        state, day = basis[channel].state, iso_utc(basis[channel].since)[:10]
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


def _summary(context: Mapping[str, Any], stats: Stats, limit: int) -> str:
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
    if stats.orders:
        spent = format_money(stats.revenue, stats.currency)
        lines.append(f"{stats.orders} order(s), {spent} spent.")
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
    return _fit(lines, limit)


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
