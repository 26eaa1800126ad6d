"""Timeline events of the demo people: what each one bought, read, asked and booked, and when.

Each person's life is simulated from the identifiers their channel records used (in the same
messy formats), with a random source seeded by the demo seed and the person, so a person's
events do not depend on who else is generated. Values several people typed (a family mailbox,
a shop's front-desk phone, placeholders) are never named by an event.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import Any

from app.demo.catalogue import (
    ACCOUNT_CURRENCY,
    AGENTS,
    ALL_SERVICES,
    APPLIANCES,
    BY_CATEGORY,
    BY_SKU,
    CAMPAIGN_EVERY,
    CATALOGUE,
    CATEGORIES,
    CHANNEL_CODE,
    CHATS,
    CLAIM_CONVERSATION_RATE,
    CLAIM_RATE,
    CLAIM_STEPS,
    CODES,
    CONSENT_REVOKE_RATE,
    CONSUMABLES,
    CONVERSATIONS,
    DAY,
    DELIVERY_QUESTION_RATE,
    ESHOP_COMPLETION_RATE,
    ESHOP_ORDERS,
    ESHOP_PAYMENTS,
    EXTRA_BOOKINGS,
    FOREIGN_CURRENCY_RATE,
    FREE_SHIPPING_FROM,
    FUTURE_BOOKING_RATE,
    HOUR,
    ISSUES,
    LEVEL_ALPHA,
    LEVEL_CAP,
    LEVEL_SCALE,
    LOCAL,
    MARKETING_KIND,
    PARTIAL_RETURN_RATE,
    POS_ORDERS,
    POS_PAYMENTS,
    REFERENCE_RATES,
    REFILLS,
    REFUND_QUESTION_RATE,
    RESOLUTIONS,
    RETURN_RATE,
    RETURN_REASONS,
    SEARCHES,
    SEND_RATE,
    SENTIMENTS,
    SERIAL_CHARS,
    SERVICES,
    SHIPPING_FEE,
    SHOP_NAMES,
    SHOP_URL,
    SMS_DATES,
    STAFF,
    STORE_VISITS,
    SURVEY_COMMENTS,
    SURVEY_RATE,
    THEMES,
    TIER_GIFTS,
    TIERS,
    TOPICS,
    UNSUBSCRIBE_RATE,
    WARRANTY_REGISTRATION_RATE,
    WEB_SESSIONS,
    YEAR,
    Product,
)
from app.demo.channels import GeneratedObservation
from app.demo.people import (
    PersonRecords,
    people_of,
)
from app.demo.world import paused_gc
from resolvers.customer360.events import RawEvent
from resolvers.identity.observations import RawIdentifier

# -- what everyone shares: the window, the campaigns, the currencies ------------------------------


@dataclass(frozen=True, slots=True)
class Campaign:
    """One marketing send to a channel's audience."""

    at: int
    campaign_id: str
    name: str
    channel: str
    url: str


@dataclass(frozen=True, slots=True)
class Calendar:
    """The time window (Unix seconds), the campaigns and the allowed currencies."""

    seed: int
    start: int
    now: int
    campaigns: dict[str, tuple[Campaign, ...]]
    currencies: frozenset[str]

    @property
    def years(self) -> float:
        """The window's length in years."""
        return (self.now - self.start) / YEAR


def campaigns_between(start: int, now: int) -> dict[str, tuple[Campaign, ...]]:
    """Every campaign sent between two moments, by channel, oldest first."""
    first = datetime.fromtimestamp(start, LOCAL).date()
    last = datetime.fromtimestamp(now, LOCAL).date()
    found: dict[str, list[Campaign]] = {"email": [], "line": [], "sms": []}
    for channel, every in CAMPAIGN_EVERY.items():
        for offset in range(3 if channel == "email" else 5, (last - first).days, every):
            found[channel].append(_campaign(first + timedelta(days=offset), channel, 10.0))
    for year in range(first.year, last.year + 1):
        for month, day in SMS_DATES:
            found["sms"].append(_campaign(date(year, month, day), "sms", 11.5))
    return {
        channel: tuple(sorted((c for c in items if start <= c.at <= now), key=lambda c: c.at))
        for channel, items in found.items()
    }


def _campaign(day: date, channel: str, hour: float) -> Campaign:
    name = THEMES[day.month - 1][0]
    cid = f"CMP-{day:%Y%m%d}-{CHANNEL_CODE[channel]}"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    url = f"{SHOP_URL}/campaigns/{slug}?utm_source={channel}&utm_campaign={cid}"
    title = f"LINE exclusive: {name}" if channel == "line" else name
    return Campaign(_local_ts(day, hour), cid, title, channel, url)


# -- one person's life -----------------------------------------------------------------------------

Ids = tuple[RawIdentifier, ...]
Data = dict[str, Any]
Pending = tuple[int, str, str, str, Ids, Data]  # at, event id, type, source, identifiers, data


@dataclass(slots=True)
class Order:
    """An order as the simulation placed it."""

    order_id: str
    channel: str
    placed: int
    lines: list[Data]
    total: float
    currency: str
    total_twd: int
    completed: int | None = None
    returned: int | None = None


@dataclass(slots=True)
class Voucher:
    """A voucher waiting to be used."""

    voucher_id: str
    expires: date
    value: int
    description: str

    def data(self) -> Data:
        """The voucher as event data."""
        return {
            "voucher_id": self.voucher_id,
            "value": self.value,
            "currency": ACCOUNT_CURRENCY,
            "expires_at": self.expires.isoformat(),
            "description": self.description,
        }


@dataclass(slots=True)
class Membership:
    """A member's running loyalty state."""

    ids: Ids
    balance: int = 0
    spend: int = 0
    tier: int = 0
    vouchers: list[Voucher] = field(default_factory=list)


class Life:
    """Simulates one person's events between the calendar's start and now."""

    def __init__(self, person: PersonRecords, cal: Calendar, rng: random.Random, level: float):
        self.p = person
        self.cal = cal
        self.rng = rng
        self.rand = rng.random
        self.level = level
        self.hex = hashlib.blake2b(f"{cal.seed}:{person.person_id}".encode(), digest_size=8)
        self.hex_id = self.hex.hexdigest()
        self.ref = self.hex_id[:8].upper()
        self.events: list[Pending] = []
        self.serial = 0
        self.objects = 0
        seen = _parse_ts(person.first_seen) if person.first_seen else cal.start
        self.first = max(cal.start, min(cal.now - DAY, seen))
        self.since = max(cal.start, self.first - 30 * DAY)
        self.orders: list[Order] = []
        self.intents: list[tuple[int, str, Campaign | None]] = []
        self.windows: dict[str, tuple[int, int]] = {}
        self.owned: list[Product] = []
        self.favourites = tuple(rng.sample(CATEGORIES, 3))
        self.currency = self.home_currency()

    def run(self) -> list[Pending]:
        """Every event of the person, in no particular order."""
        self.consents()
        self.marketing()
        self.plan_orders()
        for at, channel, campaign in sorted(self.intents, key=itemgetter(0)):
            self.order(at, channel, campaign)
        self.loyalty()
        self.browse()
        self.warranties()
        self.bookings()
        self.conversations()
        self.store_visits()
        return self.events

    # -- small helpers ------------------------------------------------------------------------

    def emit(self, at: float, event_type: str, source: str, ids: Ids, data: Data) -> None:
        """Record an event if it names an identifier and happened inside the window."""
        ts = int(at)
        if ids and self.cal.start <= ts <= self.cal.now:
            self.serial += 1
            code = CODES[event_type.partition(".")[0]]
            event_id = f"{code}-{self.hex_id}-{self.serial:05d}"
            self.events.append((ts, event_id, event_type, source, ids, data))

    def ref_id(self, prefix: str) -> str:
        """A new business id (order, booking, claim…) unique to this person."""
        self.objects += 1
        return f"{prefix}{self.ref}{self.objects:03d}"

    def has(self, kind: str) -> bool:
        """Whether the person's records carry a usable value of a kind."""
        return kind in self.p.ids

    def one(self, *kinds: str) -> Ids:
        """One value of the first kind the person has, in one of the formats they used."""
        for kind in kinds:
            values = self.p.ids.get(kind)
            if values:
                return (values[int(self.rand() * len(values))],)
        return ()

    def poisson(self, mean: float) -> int:
        """A Poisson count (normal approximation for large means)."""
        if mean <= 0:
            return 0
        if mean > 40:
            return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))
        limit, count, product = math.exp(-mean), 0, self.rand()
        while product > limit:
            count += 1
            product *= self.rand()
        return count

    def moment(self, lo: float | None = None, hi: float | None = None) -> int:
        """A time between lo and hi (default: the person's active window) in waking hours."""
        lo = self.since if lo is None else lo
        hi = self.cal.now if hi is None else hi
        local = lo + self.rand() * max(0.0, hi - lo) + 8 * HOUR
        hour = 8 + 15 * self.rand() ** 0.8  # 08:00-23:00 Taiwan time, busier in the evening
        return int(min(max(local - local % DAY - 8 * HOUR + hour * HOUR, lo), hi))

    def pick(self, items: Sequence[Any]) -> Any:
        """A uniform choice."""
        return items[int(self.rand() * len(items))]

    def weighted(self, weights: Sequence[int]) -> int:
        """An index drawn by weights."""
        x = self.rand() * sum(weights)
        for i, w in enumerate(weights):
            x -= w
            if x < 0:
                return i
        return len(weights) - 1

    def store(self) -> str:
        """A store the person uses (one of their records' stores when they have some)."""
        if self.p.stores:
            return str(self.pick(self.p.stores))
        return f"S{1 + int(self.rand() * 4):02d}"

    def home_currency(self) -> str:
        """USD or JPY for American or Japanese customers when allowed, else TWD."""
        for value in (i.value.strip() for i in self.p.ids.get("phone", [])):
            if value.startswith("+1") and "USD" in self.cal.currencies:
                return "USD"
            if value.startswith("+81") and "JPY" in self.cal.currencies:
                return "JPY"
        spoken = {"en": "USD", "ja": "JPY"}.get(self.p.language or "", ACCOUNT_CURRENCY)
        return spoken if spoken in self.cal.currencies else ACCOUNT_CURRENCY

    # -- consents and marketing -------------------------------------------------------------------

    def consents(self) -> None:
        """Consents given at sign-up, a few revoked later; marketing ones open send windows."""
        rand = self.rand
        t0 = min(self.first, self.cal.now - 4 * HOUR)
        opted = self.p.opt_in if self.p.opt_in is not None else rand() < 0.5
        grants = []  # channel, purpose, identifier kind, source
        if self.has("email") and opted:
            grants.append(("email", "marketing", "email", "eshop"))
        elif self.has("email") and rand() < 0.3:
            refused = {"channel": "email", "purpose": "marketing"}
            self.emit(t0 + rand() * HOUR, "consent.revoked", "eshop", self.one("email"), refused)
        if self.has("phone") and opted and rand() < 0.45:
            grants.append(("sms", "marketing", "phone", "crm"))
        if self.has("line_id") and rand() < 0.85:
            grants.append(("line", "marketing", "line_id", "line"))
        if self.has("whatsapp_id") and rand() < 0.5:
            grants.append(("whatsapp", "service", "whatsapp_id", "whatsapp"))
        if rand() < 0.4:
            grants.append(("any", "service", "crm_id", "crm"))
        if (self.has("user_id") or self.has("anonymous_id")) and rand() < 0.5:
            grants.append(("any", "profiling", "user_id", "eshop"))
        if rand() < 0.04:
            grants.append(("any", "third_party", "crm_id", "crm"))
        for channel, purpose, kind, source in grants:
            ids = self.one(kind, "email", "phone")
            data = {"channel": channel, "purpose": purpose}
            granted = int(t0 + rand() * 3 * HOUR)
            self.emit(granted, "consent.granted", source, ids, data)
            until = self.cal.now + 1
            if rand() < CONSENT_REVOKE_RATE:
                until = self.moment(granted + 30 * DAY)
                self.emit(until, "consent.revoked", source, ids, data)
            if purpose == "marketing":
                self.windows[channel] = (granted, until)

    def marketing(self) -> None:
        """Campaign funnels on each channel while its consent lasts."""
        for channel, (granted, until) in sorted(self.windows.items()):
            kind = MARKETING_KIND[channel]
            share = min(1.0, SEND_RATE[channel] * math.sqrt(self.level))
            interest = 0.15 + 0.35 * self.rand()
            for c in self.cal.campaigns[channel]:
                sent = granted <= c.at < until and self.rand() < share
                if sent and not self.funnel(c, self.one(kind), interest):
                    break

    def funnel(self, c: Campaign, ids: Ids, interest: float) -> bool:
        """Sent, opened, clicked, perhaps an order; False once the person stops receiving."""
        rand = self.rand
        base = {"campaign_id": c.campaign_id, "campaign": c.name, "channel": c.channel}
        at = c.at + int(rand() * 1800)
        self.emit(at, "marketing.sent", "marketing", ids, base)
        if c.channel == "email" and rand() < 0.02:
            self.emit(at + 60, "marketing.bounced", "marketing", ids, base)
            return rand() < 0.5  # a soft bounce; after a hard one the address is dropped
        opened = c.channel == "sms" or rand() < interest  # SMS opens are not tracked
        if opened and c.channel != "sms":
            at += int(300 + rand() * 2 * DAY)
            self.emit(at, "marketing.opened", "marketing", ids, base)
        if opened and rand() < (0.04 if c.channel == "sms" else 0.2):
            at += int(10 + rand() * 600)
            self.emit(at, "marketing.clicked", "marketing", ids, {**base, "url": c.url})
            if rand() < 0.12:
                self.intents.append((at + int(300 + rand() * HOUR), "eshop", c))
        if rand() < UNSUBSCRIBE_RATE[c.channel]:
            self.emit(at + 120, "marketing.unsubscribed", "marketing", ids, base)
            return False
        return True

    # -- orders and loyalty ---------------------------------------------------------------------

    def plan_orders(self) -> None:
        """When the person shops online (account or e-mail) and in store (card or phone)."""
        years = (self.cal.now - self.since) / YEAR
        if self.has("user_id") or self.has("email"):
            rate = ESHOP_ORDERS * (1.0 if self.has("user_id") else 0.4)
            for _ in range(self.poisson(rate * self.level * years)):
                self.intents.append((self.moment(), "eshop", None))
        if self.has("loyalty_id") or self.has("phone"):
            regular = self.has("loyalty_id") or "pos" in self.p.sources
            rate = POS_ORDERS * (1.0 if regular else 0.3)
            for _ in range(self.poisson(rate * self.level * years)):
                self.intents.append((self.moment(), "pos", None))

    def basket(self) -> list[Product]:
        """What one order holds: maybe an appliance, then consumables and refills."""
        rand = self.rand
        out: list[Product] = []
        for i in range(min(6, 1 + self.poisson(0.6))):
            group = APPLIANCES if i == 0 and rand() < 0.35 else CONSUMABLES
            refill = REFILLS.get(self.pick(self.owned).sku) if self.owned else None
            if refill and group is CONSUMABLES and rand() < 0.3:
                product = BY_SKU[refill]
            else:
                liked = [p for p in group if p.category in self.favourites]
                product = self.pick(liked if liked and rand() < 0.6 else group)
            if product not in out:
                out.append(product)
        return out

    def order(self, at: int, channel: str, campaign: Campaign | None) -> None:
        """One order: placed (after browsing, online), completed, maybe returned or rated."""
        rand = self.rand
        currency = ACCOUNT_CURRENCY
        if channel == "eshop" and rand() < FOREIGN_CURRENCY_RATE:
            currency = self.currency
        lines, amount, total_twd = [], 0.0, 0
        for product in self.basket():
            quantity = 1 if product.warranty_years else 1 + int(rand() ** 2 * (3 + self.level))
            price = product.price if rand() < 0.8 else int(product.price * 0.9) // 10 * 10
            unit_price = _price(price, currency)
            lines.append(_line(product, quantity, unit_price))
            amount += unit_price * quantity
            total_twd += price * quantity
        shipping = SHIPPING_FEE if channel == "eshop" and total_twd < FREE_SHIPPING_FROM else 0
        total = _round(amount + _price(shipping, currency), currency)
        order_id = self.ref_id("EC" if channel == "eshop" else "PS")
        order = Order(order_id, channel, at, lines, total, currency, total_twd + shipping)
        data: Data = {"order_id": order_id, "items": lines, "total": total, "currency": currency}
        if channel == "eshop":
            ids = self.one("user_id", "email", "line_id", "phone")
            if ids and ids[0].kind == "user_id" and rand() < 0.3:
                ids += self.one("email")
            data.update(channel="web", payment=self.pick(ESHOP_PAYMENTS))
            if shipping:
                data["shipping_fee"] = _price(shipping, currency)
            if campaign is not None:
                data["campaign_id"] = campaign.campaign_id
            if self.has("user_id") or self.has("anonymous_id"):
                self.session(at - 600 - int(rand() * 1800), [BY_SKU[x["sku"]] for x in lines])
            done = at + int((2 + rand() * 4) * DAY) if rand() < ESHOP_COMPLETION_RATE else None
        else:
            ids = self.one("loyalty_id", "phone")
            if ids and ids[0].kind == "loyalty_id" and rand() < 0.5:
                ids += self.one("phone")
            data.update(channel="store", store=self.store(), payment=self.pick(POS_PAYMENTS))
            done = at + 5
        self.emit(at, "order.placed", channel, ids, data)
        if campaign is not None:
            converted = {
                "campaign_id": campaign.campaign_id,
                "campaign": campaign.name,
                "channel": campaign.channel,
                "value": total,
                "currency": currency,
            }
            self.emit(
                at + 1,
                "marketing.converted",
                "marketing",
                self.one(MARKETING_KIND[campaign.channel]),
                converted,
            )
        if done is not None and done <= self.cal.now:
            self.complete(order, done, ids)
        self.orders.append(order)

    def complete(self, order: Order, at: int, ids: Ids) -> None:
        """Delivered or paid: the order completes; a few come back, a few are rated."""
        order.completed = at
        done = {"order_id": order.order_id, "total": order.total, "currency": order.currency}
        self.emit(at, "order.completed", order.channel, ids, done)
        self.owned += [p for p in (BY_SKU[x["sku"]] for x in order.lines) if p.warranty_years]
        if self.rand() < RETURN_RATE:
            self.give_back(order, ids)
        if self.rand() < SURVEY_RATE and self.has("email"):
            score = int(min(10, 4 + self.rand() * 8))
            survey = {
                "survey": "post_purchase",
                "order_id": order.order_id,
                "score": score,
                "comment": self.pick(SURVEY_COMMENTS),
            }
            at += int((1 + self.rand() * 2) * DAY)
            self.emit(at, "custom.survey_completed", "survey", self.one("email"), survey)

    def give_back(self, order: Order, ids: Ids) -> None:
        """A full or partial return some days after completion."""
        assert order.completed is not None
        at = order.completed + int((3 + self.rand() * 17) * DAY)
        if at > self.cal.now:
            return
        order.returned = at
        data: Data = {"order_id": order.order_id, "reason": self.pick(RETURN_REASONS)}
        several = len(order.lines) > 1 or order.lines[0]["quantity"] > 1
        if several and self.rand() < PARTIAL_RETURN_RATE:
            line = {**self.pick(order.lines), "quantity": 1}
            data.update(items=[line], total=line["unit_price"], currency=order.currency)
        elif self.rand() < 0.7:  # the rest name no amount: the whole order is refunded
            data.update(items=order.lines, total=order.total, currency=order.currency)
        self.emit(at, "order.returned", order.channel, ids, data)

    def loyalty(self) -> None:
        """Points on completed orders, redemptions, tiers by lifetime spend, vouchers."""
        if not self.has("loyalty_id"):
            return
        member = Membership(self.one("loyalty_id"))
        moments: list[tuple[int, int, Order | None]] = [(self.since + HOUR, 0, None)]
        for year in range(_year(self.since), _year(self.cal.now) + 1):
            birthday = _birthday(self.p.birth_date, year, self.hex_id)
            moments.append((_local_ts(birthday, 9.0), 1, None))
        for o in self.orders:
            moments.append((o.placed, 2, o))
            if o.completed is not None:
                moments.append((o.completed + 60, 3, o))
        for at, what, order in sorted(moments, key=itemgetter(0, 1)):
            if at < self.since or at > self.cal.now:
                continue
            self.expire(member, at)
            if what == 0:
                self.emit(at, "loyalty.tier_changed", "loyalty", member.ids, {"tier": "Member"})
                self.issue(member, at, 100, 60, "Welcome voucher")
            elif what == 1:
                self.issue(member, at, 200, 31, "Birthday voucher")
            elif order is not None and what == 2:
                self.redeem(member, at, order)
            elif order is not None:
                self.earn(member, at, order)
        self.expire(member, self.cal.now)

    def issue(self, member: Membership, at: int, value: int, days: int, text: str) -> None:
        """A new voucher."""
        expires = datetime.fromtimestamp(at + days * DAY, LOCAL).date()
        voucher = Voucher(self.ref_id("VC"), expires, value, text)
        member.vouchers.append(voucher)
        self.emit(at, "loyalty.voucher_issued", "loyalty", member.ids, voucher.data())

    def expire(self, member: Membership, at: int) -> None:
        """Vouchers past their date expire just after midnight."""
        for voucher in [v for v in member.vouchers if _local_ts(v.expires, 24.1) <= at]:
            member.vouchers.remove(voucher)
            when = _local_ts(voucher.expires, 24.1)
            self.emit(when, "loyalty.voucher_expired", "loyalty", member.ids, voucher.data())

    def redeem(self, member: Membership, at: int, order: Order) -> None:
        """At checkout: maybe a voucher, maybe points."""
        if member.vouchers and self.rand() < 0.45:
            voucher = member.vouchers.pop(0)
            used = {**voucher.data(), "order_id": order.order_id}
            self.emit(at, "loyalty.voucher_redeemed", "loyalty", member.ids, used)
        if member.balance >= 300 and self.rand() < 0.25:
            points = min(member.balance, self.pick((300, 500, 1000))) // 100 * 100
            member.balance -= points
            spent = {
                "points": points,
                "balance_after": member.balance,
                "reason": f"Discount on order {order.order_id}",
            }
            self.emit(at, "loyalty.points_redeemed", "loyalty", member.ids, spent)

    def earn(self, member: Membership, at: int, order: Order) -> None:
        """Points for a completed order, and a tier change when lifetime spend crosses one."""
        points = order.total_twd // 100 * (1 + member.tier)
        if points > 0:
            member.balance += points
            earned = {
                "points": points,
                "balance_after": member.balance,
                "reason": f"Order {order.order_id}",
            }
            self.emit(at, "loyalty.points_earned", "loyalty", member.ids, earned)
        member.spend += order.total_twd
        while member.tier + 1 < len(TIERS) and member.spend >= TIERS[member.tier + 1][1]:
            previous = TIERS[member.tier][0]
            member.tier += 1
            tier = TIERS[member.tier][0]
            changed = {"tier": tier, "previous_tier": previous}
            self.emit(at + 60, "loyalty.tier_changed", "loyalty", member.ids, changed)
            self.issue(member, at + 120, TIER_GIFTS[tier], 90, f"{tier} welcome gift")

    # -- behaviour -------------------------------------------------------------------------------

    def browse(self) -> None:
        """Browsing sessions that do not end in an order."""
        if self.has("anonymous_id") or self.has("user_id"):
            for _ in range(self.poisson(WEB_SESSIONS * self.level * self.cal.years)):
                self.session(self.moment(), None)

    def session(self, at: int, buying: list[Product] | None) -> None:
        """Page and product views, a search, maybe a cart (left or bought) and a wishlist."""
        rand = self.rand
        logged_in = self.has("user_id") and (buying is not None or rand() < 0.6)
        ids = self.one("anonymous_id") + (self.one("user_id") if logged_in else ())
        liked = self.pick(self.favourites) if rand() < 0.7 else self.pick(CATEGORIES)
        viewed = buying or [self.pick(BY_CATEGORY[liked])]
        category = viewed[0].category
        if rand() < 0.3:
            page = {"url": f"{SHOP_URL}/", "title": "Home | Shop"}
        else:
            slug = category.replace(" ", "-")
            page = {"url": f"{SHOP_URL}/c/{slug}", "title": f"{category.title()} | Shop"}
        self.emit(at, "web.page_viewed", "web", ids, page)
        if rand() < 0.3:
            at += int(5 + rand() * 60)
            self.emit(at, "web.searched", "web", ids, {"query": self.pick(SEARCHES[category])})
        for product in viewed[:4]:
            at += int(10 + rand() * 120)
            self.emit(at, "web.product_viewed", "web", ids, _product(product))
        if buying is not None or rand() < 0.12:
            items = [_line(p, 1, p.price) for p in viewed]
            cart = {
                "cart_id": self.ref_id("CT"),
                "items": items,
                "total": sum(p.price for p in viewed),
                "currency": ACCOUNT_CURRENCY,
            }
            self.emit(at + 30, "cart.updated", "web", ids, cart)
            if buying is None and rand() < 0.65:
                self.emit(at + HOUR + int(rand() * 2 * HOUR), "cart.abandoned", "web", ids, cart)
        if buying is None and rand() < 0.05:
            self.emit(at + 20, "wishlist.added", "web", ids, _product(viewed[0]))
            if rand() < 0.25:
                later = at + int((3 + rand() * 60) * DAY)
                self.emit(later, "wishlist.removed", "web", ids, _product(viewed[0]))

    def store_visits(self) -> None:
        """Visits the stores' footfall system counts through the member app or a phone check-in."""
        if self.has("loyalty_id") or "pos" in self.p.sources:
            for _ in range(self.poisson(STORE_VISITS * self.level * self.cal.years)):
                self.visit(self.one("loyalty_id", "phone"))

    def visit(self, ids: Ids) -> None:
        """One store visit."""
        store = self.store()
        data = {"store": store, "store_name": _shop_name(store), "minutes": 5 + self.poisson(15)}
        self.emit(self.moment(), "custom.store_visit", "store", ids, data)

    def filler(self) -> None:
        """One more browsing session, or a store visit for someone who never browses."""
        if self.has("anonymous_id") or self.has("user_id"):
            self.session(self.moment(), None)
        else:
            self.visit(self.one(*sorted(self.p.ids)))

    # -- service ---------------------------------------------------------------------------------

    def warranties(self) -> None:
        """Registrations of bought appliances and of the person's warranty records; claims."""
        for order in self.orders:
            if order.completed is None or order.returned is not None:
                continue
            for product in (BY_SKU[x["sku"]] for x in order.lines):
                if product.warranty_years and self.rand() < WARRANTY_REGISTRATION_RATE:
                    at = order.completed + int((0.2 + self.rand() * 20) * DAY)
                    serial = "SN" + "".join(self.rng.choices(SERIAL_CHARS, k=10))
                    self.register(at, product, serial, order.completed)
        for observed_at, model, serial in self.p.warranties:
            known = BY_SKU.get(model)
            if known is not None:
                at = _parse_ts(observed_at)
                self.owned.append(known)
                self.register(at, known, serial, at - int(self.rand() * 20 * DAY))

    def register(self, at: int, product: Product, serial: str, bought: int) -> None:
        """A warranty registration, and perhaps a claim with its updates."""
        ids = self.one("email", "phone") if self.rand() < 0.6 else self.one("phone", "email")
        purchased = datetime.fromtimestamp(bought, LOCAL).date()
        expires = _add_years(purchased, product.warranty_years)
        data = {
            "serial": serial,
            "model": product.sku,
            "product": product.name,
            "category": product.category,
            "purchased_at": purchased.isoformat(),
            "expires_at": expires.isoformat(),
        }
        self.emit(at, "warranty.registered", "warranty", ids, data)
        until = min(_local_ts(expires, 12.0), self.cal.now)
        if self.rand() < CLAIM_RATE * min(3.0, math.sqrt(self.level)) and until > at + 10 * DAY:
            self.claim(self.moment(at + 10 * DAY, until), product, serial, ids)

    def claim(self, opened: int, product: Product, serial: str, ids: Ids) -> None:
        """A claim: opened, updated a few times, closed unless it is still going on."""
        base = {"claim_id": self.ref_id("WC"), "serial": serial}
        issue = self.pick(ISSUES[product.category])
        opening = {**base, "status": "received", "issue": issue}
        self.emit(opened, "warranty.claim_opened", "warranty", ids, opening)
        if self.rand() < CLAIM_CONVERSATION_RATE:
            facts = {"product": product.name, "issue": issue.lower(), "claim": base["claim_id"]}
            self.conversation(opened - HOUR, "warranty", facts)
        at = opened
        for step in CLAIM_STEPS[: 1 + int(self.rand() * 3)]:
            at += int((1 + self.rand() * 5) * DAY)
            self.emit(at, "warranty.claim_updated", "warranty", ids, {**base, "status": step})
        at += int((2 + self.rand() * 14) * DAY)
        closing = {**base, "status": "closed", "resolution": self.pick(RESOLUTIONS)}
        self.emit(at, "warranty.claim_closed", "warranty", ids, closing)

    def bookings(self) -> None:
        """Bookings from the person's booking records, a few more, and some after now."""
        for observed_at, service, store in self.p.bookings:
            self.booking(_parse_ts(observed_at), SERVICES.get(service, service), store, None)
        if not (self.has("phone") or self.has("email")):
            return
        for _ in range(self.poisson(EXTRA_BOOKINGS * self.level * self.cal.years)):
            self.booking(self.moment(), self.pick(ALL_SERVICES), None, None)
        if self.rand() < FUTURE_BOOKING_RATE * min(5.0, self.level):
            booked = self.moment(max(self.since, self.cal.now - 14 * DAY), self.cal.now)
            scheduled = self.slot(self.cal.now + (1 + self.rand() * 30) * DAY)
            self.booking(booked, self.pick(ALL_SERVICES), None, scheduled)

    def booking(self, at: int, service: str, store: str | None, scheduled: int | None) -> None:
        """Booked, perhaps rescheduled, then cancelled, missed or attended."""
        rand = self.rand
        ids = self.one("phone", "email") if rand() < 0.6 else self.one("email", "phone")
        store = store or self.store()
        when = scheduled or self.slot(at + (2 + rand() * 19) * DAY)
        base = {
            "booking_id": self.ref_id("BK"),
            "service": service,
            "location": _shop_name(store),
            "staff": self.pick(STAFF),
        }
        self.emit(at, "booking.booked", "booking", ids, {**base, "scheduled_at": _local_iso(when)})
        outcome = rand()
        if outcome < 0.15:
            moved = self.slot(when + (2 + rand() * 8) * DAY)
            asked = when - int((1 + rand() * 3) * DAY)
            self.emit(
                asked,
                "booking.rescheduled",
                "booking",
                ids,
                {**base, "scheduled_at": _local_iso(moved)},
            )
            if rand() < 0.3:
                facts = {"service": service.lower(), "store": _shop_name(store)}
                self.conversation(asked - HOUR, "booking", facts)
            when, outcome = moved, 0.15 + rand() * 0.85
        if outcome < 0.25:
            self.emit(when - int(rand() * 2 * DAY), "booking.cancelled", "booking", ids, base)
        elif outcome < 0.33:
            self.emit(when + HOUR, "booking.no_show", "booking", ids, base)
        else:
            self.emit(when + int((0.5 + rand()) * HOUR), "booking.attended", "booking", ids, base)

    def slot(self, around: float) -> int:
        """A store appointment near a moment: 11:00 to 19:30 Taiwan time, on the half hour."""
        day = datetime.fromtimestamp(around, LOCAL).date()
        return _local_ts(day, 11 + int(self.rand() * 18) / 2)

    def conversations(self) -> None:
        """Questions about orders and returns, and about products and membership."""
        rand = self.rand
        for order in self.orders:
            if order.channel == "eshop" and rand() < DELIVERY_QUESTION_RATE:
                at = order.placed + int((1 + rand() * 3) * DAY)
                self.conversation(at, "delivery", {"order": order.order_id})
            if order.returned is not None and rand() < REFUND_QUESTION_RATE:
                at = order.returned + int((2 + rand() * 5) * DAY)
                self.conversation(at, "refund", {"order": order.order_id})
        for _ in range(self.poisson(CONVERSATIONS * self.level * self.cal.years)):
            member = self.has("loyalty_id") and rand() < 0.25
            product = self.pick(self.owned or CATALOGUE)
            facts = {"product": product.name, "store": _shop_name(self.store())}
            self.conversation(self.moment(), "membership" if member else "product_question", facts)

    def conversation(self, at: float, topic: str, facts: Mapping[str, str]) -> None:
        """Opened with a summary and a mood; closed later with an outcome, unless still open."""
        usable = [(channel, kind, w) for channel, kind, w in CHATS if self.has(kind)]
        if not usable:
            return
        channel, kind, _ = usable[self.weighted([w for _, _, w in usable])]
        ids = self.one(kind)
        about = TOPICS[topic]
        mood = SENTIMENTS[self.weighted(about.moods)]
        summary = self.pick(about.summaries).format(**facts)
        base = {"conversation_id": self.ref_id("CV"), "channel": channel, "topic": topic}
        source = "helpdesk" if channel == "email" else channel
        self.emit(
            at, "conversation.opened", source, ids, {**base, "sentiment": mood, "summary": summary}
        )
        quick = self.rand() < 0.7
        later = at + (600 + self.rand() * 4 * HOUR if quick else self.rand() * 3 * DAY)
        final = "positive" if mood == "negative" and self.rand() < 0.4 else mood
        closing = {
            **base,
            "sentiment": final,
            "summary": summary,
            "outcome": self.pick(about.outcomes),
            "agent": self.pick(AGENTS),
        }
        self.emit(later, "conversation.closed", source, ids, closing)


# -- small pure helpers ---------------------------------------------------------------------------


def _shop_name(store: str) -> str:
    return SHOP_NAMES.get(store, store)


def _price(twd: int, currency: str) -> float:
    """A TWD amount in another currency, rounded as shops do (cents, or whole ten yen)."""
    if currency == ACCOUNT_CURRENCY:
        return twd
    return _round(twd / REFERENCE_RATES[currency], currency)


def _round(amount: float, currency: str) -> float:
    if currency == "USD":
        return round(amount, 2)
    if currency == "JPY":
        return int(round(amount, -1))
    return round(amount)


def _line(product: Product, quantity: int, unit_price: float) -> Data:
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "quantity": quantity,
        "unit_price": unit_price,
    }


def _product(product: Product) -> Data:
    return {"sku": product.sku, "name": product.name, "category": product.category}


def _local_ts(day: date, hour: float) -> int:
    """A Taiwan wall-clock time as Unix seconds."""
    return int(datetime(day.year, day.month, day.day, tzinfo=LOCAL).timestamp() + hour * HOUR)


def _local_iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, LOCAL).isoformat(timespec="seconds")


def _parse_ts(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def _year(ts: int) -> int:
    return datetime.fromtimestamp(ts, LOCAL).year


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _birthday(birth_date: str | None, year: int, salt: str) -> date:
    """The person's birthday in a year (a stable made-up one when unknown)."""
    try:
        born = date.fromisoformat(birth_date) if birth_date else None
    except ValueError:
        born = None
    if born is None:
        born = date(2000, 1, 1) + timedelta(days=int(salt[:6], 16) % 365)
    return _add_years(born, year - born.year)


# -- the whole data set ----------------------------------------------------------------------------


def _life(person: PersonRecords, cal: Calendar) -> list[Pending]:
    """A person's events, at a level of activity drawn from a heavy-tailed distribution."""
    rng = random.Random(f"contact360-demo-events:{cal.seed}:{person.person_id}")
    level = min(LEVEL_CAP, rng.paretovariate(LEVEL_ALPHA)) * LEVEL_SCALE
    return Life(person, cal, rng, level).run()


def _vip_life(person: PersonRecords, cal: Calendar, target: int) -> list[Pending]:
    """The VIP's events: a very active life, topped up with browsing to exactly ``target``."""
    level = 50.0
    while True:
        life = Life(person, cal, random.Random(f"contact360-demo-vip:{cal.seed}"), level)
        events = life.run()
        if len(events) >= target // 2 or level > 1e6:
            break
        level *= 2
    while len(life.events) < target:
        life.filler()
    events = life.events
    if len(events) > target:
        browsing = [i for i, e in enumerate(events) if e[2].startswith("web.")]
        drop = set(life.rng.sample(browsing, min(len(events) - target, len(browsing))))
        events = [e for i, e in enumerate(events) if i not in drop]
    return sorted(events, key=itemgetter(0))[:target]


def vip_of(generated: Iterable[GeneratedObservation]) -> str | None:
    """The person ``vip_events`` makes busy: the one with the most records (lowest id on a tie)."""
    counts: dict[str, int] = {}
    for g in generated:
        counts[g.person_id] = counts.get(g.person_id, 0) + 1
    return min(counts, key=lambda p: (-counts[p], p)) if counts else None


def generate_events(
    generated: Sequence[GeneratedObservation],
    seed: int,
    start: datetime,
    now: datetime,
    currencies: Sequence[str] = (ACCOUNT_CURRENCY,),
    vip_events: int = 0,
) -> list[RawEvent]:
    """Seeded timeline events of every person in ``generated``, oldest first.

    Everything happens between ``start`` and ``now``; some bookings are scheduled after it.
    Amounts are in TWD, and for American and Japanese customers also in USD or JPY when
    ``currencies`` lists them (validate with ``REFERENCE_RATES``). With ``vip_events`` the
    person with the most records gets that many events more.
    """
    if start.tzinfo is None or now.tzinfo is None:
        raise ValueError("start and now must be timezone-aware")
    if now <= start:
        raise ValueError("now must be after start")
    if vip_events < 0:
        raise ValueError("vip_events must not be negative")
    unknown = sorted(set(currencies) - {ACCOUNT_CURRENCY, *REFERENCE_RATES})
    if unknown:
        raise ValueError(f"no reference rate for {', '.join(unknown)}; use {REFERENCE_RATES}")
    t0, t1 = int(start.timestamp()), int(now.timestamp())
    cal = Calendar(seed, t0, t1, campaigns_between(t0, t1), frozenset(currencies))
    with paused_gc():
        people = people_of(generated)
        vip = vip_of(generated) if vip_events else None
        pending: list[Pending] = []
        for person in people:
            events = _life(person, cal)
            if person.person_id == vip:
                events = _vip_life(person, cal, len(events) + vip_events)
            pending += events
        pending.sort(key=itemgetter(0))
        return [
            RawEvent(event_id, event_type, datetime.fromtimestamp(at, UTC), source, ids, data)
            for at, event_id, event_type, source, ids, data in pending
        ]
