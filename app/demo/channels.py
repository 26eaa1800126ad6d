"""Channel observations of a demo world, with the mess real channels send, and their truth."""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from operator import itemgetter
from typing import Any

from app.demo.world import (
    PLACEHOLDER_EMAILS,
    PLACEHOLDER_PHONES,
    Household,
    Person,
    Phone,
    Shop,
    World,
    generate_world,
    paused_gc,
)

Identifier = dict[str, str]
Attributes = dict[str, Any]
Record = tuple[list[Identifier], Attributes]

# How people spread over channels.
CHANNEL_WEIGHTS = {
    "crm": 10, "eshop": 14, "line": 14, "whatsapp": 6, "messenger": 6, "pos": 12,
    "loyalty": 4, "warranty": 5, "booking": 6, "marketing": 10, "web": 11,
}  # fmt: skip
CHANNEL_KEEP_RATE = 0.6  # each channel a person could use is one they do use
RECORD_COUNT_WEIGHTS = (18, 16, 14, 11, 9, 8, 6, 5, 4, 3, 3, 3)  # 1..12 records, mean ~4.5
REREGISTRATION_RATE = 0.02  # of records on sign-up channels: registers again, new record id
DUPLICATE_DELIVERY_RATE = 0.01  # of records: delivered twice with the same id and body
WALK_IN_RATE = 0.30  # of pos records of loyalty members: front-desk phone, card or e-mail
GUEST_PHONE_RATE = 0.40  # of pos records of non-members: own phone; the rest are walk-ins
FAMILY_MAILBOX_USE_RATE = 0.40  # of e-mail fields of people whose household has a mailbox
FAMILY_COMPUTER_USE_RATE = 0.40  # of anonymous ids of people whose household shares a computer
NEW_MAILBOX_RATE = 0.15  # of people: one record (a kiosk registration) with a mailbox seen
# nowhere else, so only names, birth date and city join it to the person
DATE_SPELLINGS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d")
SECOND_EMAIL_USE_RATE = 0.30  # of e-mail fields of people with two addresses
LANDLINE_RATE = {"crm": 0.20, "warranty": 0.30, "booking": 0.15, "loyalty": 0.10, "eshop": 0.05}

# Mess in e-mails (fractions of rendered addresses; Gmail rules of Gmail addresses).
EMAIL_SPACES_RATE = 0.04
EMAIL_UPPER_RATE = 0.02
EMAIL_MIXED_CASE_RATE = 0.07
GMAIL_DOT_VARIANT_RATE = 0.06
GMAIL_PLUS_TAG_RATE = 0.04
GOOGLEMAIL_RATE = 0.015
# Mess in phones: formats are weighted below; full-width digits on top.
FULLWIDTH_PHONE_RATE = 0.01
# Placeholders: reluctant people type them in most forms; anyone, rarely.
PLACEHOLDER_RATE_RELUCTANT = 0.60
PLACEHOLDER_RATE_ANYONE = 0.002
# Mess in names (fractions of records that carry names).
NAME_MISSING_RATE = 0.08
LAST_NAME_MISSING_RATE = 0.04
FULL_NAME_IN_FIRST_RATE = 0.03
NAME_CASE_RATE = 0.05
NAME_SPACING_RATE = 0.04
NAME_TYPO_RATE = 0.015

_MOBILE_FORMATS = (
    ("{d4}-{d3}-{d3b}", 30),
    ("{d}", 25),
    ("{d4} {d3} {d3b}", 10),
    ("+886 {n3} {d3} {d3b}", 10),
    ("886{n}", 6),
    ("+886-{n1}-{n4}-{n4b}", 4),
    ("+886{n}", 10),
    ("+886-{n3}-{d3}-{d3b}", 5),
)
_LANDLINE_FORMATS = (
    ("(0{a}) {l1}-{l2}", 30),
    ("0{a}-{l}", 25),
    ("0{a}-{l1}-{l2}", 15),
    ("0{a}{l}", 10),
    ("+886 {a} {l1} {l2}", 8),
    ("+886-{a}-{l}", 5),
    ("(0{a}){l}", 7),
)
_FOREIGN_GROUPS = {1: (3, 3, 4), 81: (2, 4, 4), 852: (4, 4), 60: (2, 3, 4)}
_WHATSAPP_CUM = tuple(accumulate((55, 25, 12, 8)))
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_PLUS_TAGS = ("shop", "line", "news", "promo", "tw", "2024", "orders")
_HOMOPHONES = dict(
    zip("婷偉怡玲慧佳欣涵豪明俊傑雅君志", "庭瑋宜苓惠家馨晗浩銘峻杰亞均智", strict=True)
)
_DECORATIONS = (("🌸", "🌸"), ("", " ✨"), ("~", "~"), ("", " 🐱"), ("★", "★"), ("", "😊"))
_PARENT_NAMES = {"F": ("Mom", "媽咪", "媽媽", "Mommy"), "M": ("Dad", "老爸", "爸爸", "Daddy")}
_PRODUCTS = ("KT-1200", "AP-300", "VC-750", "HD-90", "RC-10", "FN-16", "WP-520", "IH-880")
_SERVICES = ("fitting", "repair", "demo", "consultation", "pickup")
_SERIAL_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_INVALID_PHONES = ("n/a", "12-34", "+886", "09123", "phone", "0912-34")
SIGNUP_CHANNELS = frozenset({"crm", "eshop", "loyalty", "warranty", "booking"})


@dataclass(frozen=True, slots=True)
class GeneratedObservation:
    """One observation body as a channel sends it, and the real person it is about."""

    body: dict[str, Any]
    person_id: str


def _cum(weights: Iterable[int]) -> tuple[int, ...]:
    """Cumulative weights."""
    return tuple(accumulate(weights))


_MOBILE_CUM = _cum(w for _, w in _MOBILE_FORMATS)
_LANDLINE_CUM = _cum(w for _, w in _LANDLINE_FORMATS)
_COUNT_CUM = _cum(RECORD_COUNT_WEIGHTS)


class _Channels:
    """Renders records of one world, channel by channel, from one seeded random source."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.rand = rng.random
        self.shops_by_city: dict[str, list[Shop]] = {}
        for shop in world.shops:
            self.shops_by_city.setdefault(shop.city.key, []).append(shop)
        self.parents = {
            h.member_ids[i] for h in world.households if len(h.member_ids) > 2 for i in (0, 1)
        }
        self.handlers: dict[str, Callable[[Person, Household | None], Record]] = {
            name: getattr(self, name) for name in CHANNEL_WEIGHTS
        }

    # -- small draws ------------------------------------------------------------------------

    def below(self, n: int) -> int:
        """A uniform integer in ``[0, n)``."""
        return int(self.rand() * n)

    def pick(self, items: tuple[str, ...]) -> str:
        """A uniform choice."""
        return items[int(self.rand() * len(items))]

    def pick_cum(self, cum: tuple[int, ...]) -> int:
        """An index drawn by cumulative weights."""
        x = self.rand() * cum[-1]
        for i, c in enumerate(cum):
            if x < c:
                return i
        return len(cum) - 1

    # -- identifiers --------------------------------------------------------------------------

    def render_email(self, address: str, gmail_rules: bool = True) -> str:
        """An address as someone typed it: dots, tags, case and spaces."""
        rand = self.rand
        local, _, domain = address.partition("@")
        if gmail_rules and domain == "gmail.com":
            if rand() < GMAIL_DOT_VARIANT_RATE:
                if "." in local and rand() < 0.6:
                    local = local.replace(".", "")
                else:
                    cut = 1 + self.below(max(1, len(local) - 1))
                    if local[cut - 1] != "." and local[cut : cut + 1] not in (".", ""):
                        local = f"{local[:cut]}.{local[cut:]}"
            if rand() < GMAIL_PLUS_TAG_RATE:
                local = f"{local}+{self.pick(_PLUS_TAGS)}"
            if rand() < GOOGLEMAIL_RATE:
                domain = "googlemail.com"
        text = f"{local}@{domain}"
        x = rand()
        if x < EMAIL_UPPER_RATE:
            text = text.upper()
        elif x < EMAIL_UPPER_RATE + EMAIL_MIXED_CASE_RATE:
            text = f"{local[:1].upper()}{local[1:]}@{domain[:1].upper()}{domain[1:]}"
        if rand() < EMAIL_SPACES_RATE:
            text = self.pick((f" {text}", f"{text} ", f"  {text} ", f"{text}\t"))
        return text

    def render_phone(self, phone: Phone) -> str:
        """A phone in one of the formats people and systems write."""
        n = phone.national
        if phone.country != 886:
            text = f"+{phone.country}{n}" if self.rand() < 0.5 else self.spaced(phone)
        elif phone.mobile:
            pattern = _MOBILE_FORMATS[self.pick_cum(_MOBILE_CUM)][0]
            d = "0" + n
            text = pattern.format(
                d=d, d4=d[:4], d3=d[4:7], d3b=d[7:], n=n, n3=n[:3], n1=n[:1], n4=n[1:5], n4b=n[5:]
            )
        else:
            pattern = _LANDLINE_FORMATS[self.pick_cum(_LANDLINE_CUM)][0]
            a, local = n[:1], n[1:]
            half = len(local) - 4
            text = pattern.format(a=a, l=local, l1=local[:half], l2=local[half:])
        if self.rand() < FULLWIDTH_PHONE_RATE:
            text = text.translate(_FULLWIDTH)
        return text

    def spaced(self, phone: Phone) -> str:
        """A phone in international format with spaces: ``+886 912 345 678``."""
        n = phone.national
        groups = _FOREIGN_GROUPS.get(phone.country, (3, 3, 3))
        parts, at = [], 0
        for size in groups:
            parts.append(n[at : at + size])
            at += size
        return f"+{phone.country} {' '.join(parts)}"

    def render_whatsapp(self, phone: Phone) -> str:
        """A WhatsApp id as inbox tools deliver it (digits without + only for Taiwan)."""
        style = self.pick_cum(_WHATSAPP_CUM)
        if style == 0 and phone.country == 886:
            return f"{phone.country}{phone.national}"
        if style == 2:
            return self.spaced(phone)
        if style == 3:
            return self.render_phone(phone)
        return phone.e164

    def email_of(self, p: Person, hh: Household | None) -> str:
        """An e-mail field: own address, the family mailbox, or a placeholder."""
        rand = self.rand
        if rand() < (PLACEHOLDER_RATE_RELUCTANT if p.reluctant else PLACEHOLDER_RATE_ANYONE):
            return self.render_email(self.pick(PLACEHOLDER_EMAILS), False)
        if hh is not None and hh.family_email and rand() < FAMILY_MAILBOX_USE_RATE:
            return self.render_email(hh.family_email)
        if len(p.emails) > 1 and rand() < SECOND_EMAIL_USE_RATE:
            return self.render_email(p.emails[1])
        return self.render_email(p.emails[0])

    def phone_of(self, p: Person, hh: Household | None, channel: str) -> str | None:
        """A phone field: mobile, household landline, a placeholder, or nothing."""
        rand = self.rand
        if rand() < (PLACEHOLDER_RATE_RELUCTANT if p.reluctant else PLACEHOLDER_RATE_ANYONE):
            return self.pick(PLACEHOLDER_PHONES)
        landline = hh.landline if hh is not None else p.own_landline
        if p.mobile is not None and (landline is None or rand() >= LANDLINE_RATE[channel]):
            return self.render_phone(p.mobile)
        return self.render_phone(landline) if landline is not None else None

    def anonymous_of(self, p: Person, hh: Household | None) -> str:
        """A browser id: one of the person's, or the family computer's."""
        if hh is not None and hh.family_anonymous_id and self.rand() < FAMILY_COMPUTER_USE_RATE:
            return hh.family_anonymous_id
        ids = p.anonymous_ids
        return ids[int(self.rand() * len(ids))]

    def loyalty_text(self, card: str) -> str:
        """A loyalty card number as cashiers type it."""
        x = self.rand()
        if x < 0.75:
            return card
        if x < 0.88:
            return f"{card[:2]}-{card[2:6]} {card[6:]}"
        return card.lower()

    # -- names ----------------------------------------------------------------------------------

    def typo(self, text: str) -> str:
        """One slip of the keyboard (or of the input method, for Han characters)."""
        for i, ch in enumerate(text):
            if ch in _HOMOPHONES:
                return text[:i] + _HOMOPHONES[ch] + text[i + 1 :]
        if len(text) < 3 or not text.isascii():
            return text
        i = 1 + self.below(len(text) - 2)
        kind = self.below(3)
        if kind == 0:
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if kind == 1:
            return text[:i] + text[i + 1 :]
        return text[:i] + text[i] + text[i:]

    def roman_given(self, given: str) -> str:
        """A romanised given name as written on a form: Wei-Ting, Wei-ting, Wei Ting, Weiting."""
        if "-" not in given:
            return given
        x = self.rand()
        if x < 0.6:
            return given
        head, _, tail = given.partition("-")
        if x < 0.7:
            return f"{head}-{tail.lower()}"
        if x < 0.85:
            return f"{head} {tail}"
        return f"{head}{tail.lower()}"

    def mess_name(self, text: str) -> str:
        """Case, spacing and typing slips on one name."""
        rand = self.rand
        if rand() < NAME_TYPO_RATE:
            text = self.typo(text)
        if rand() < NAME_CASE_RATE and text.isascii():
            text = text.upper() if rand() < 0.5 else text.lower()
        if rand() < NAME_SPACING_RATE:
            text = self.pick((f" {text}", f"{text} ", f"{text}  ", text.replace(" ", "  ")))
        return text

    def form_names(self, p: Person, han_rate: float, english_rate: float) -> Attributes:
        """first_name and last_name as a form collects them, or some of them, or none."""
        rand = self.rand
        if rand() < NAME_MISSING_RATE:
            return {}
        name = p.name
        x = rand()
        if name.given_han is not None and name.family_han is not None and x < han_rate:
            first, last = name.given_han, name.family_han
            full = f"{last}{first}"
        elif name.english is not None and x < han_rate + english_rate:
            first, last = name.english, name.family_roman
            full = f"{first} {last}"
        else:
            first, last = self.roman_given(name.given_roman), name.family_roman
            full = f"{first} {last}"
        y = rand()
        if y < FULL_NAME_IN_FIRST_RATE:
            return {"first_name": self.mess_name(full)}
        if y < FULL_NAME_IN_FIRST_RATE + LAST_NAME_MISSING_RATE:
            return {"first_name": self.mess_name(first)}
        return {"first_name": self.mess_name(first), "last_name": self.mess_name(last)}

    def display_name(self, p: Person) -> str:
        """A chat display name: real, partial, decorated, a nickname, or 'Mom'."""
        name = p.name
        x = self.rand()
        if x < 0.08 and p.person_id in self.parents:
            return self.pick(_PARENT_NAMES[p.gender])
        short = name.english or name.given_han or name.given_roman
        if x < 0.18:
            left, right = _DECORATIONS[self.below(len(_DECORATIONS))]
            return f"{left}{short}{right}"
        if x < 0.26 and name.given_han:
            return self.pick(("小", "阿")) + name.given_han[-1]
        if x < 0.30:
            return self.pick(("🐱🐶", "🌈", "☀️", "."))
        if x < 0.50 and name.family_han and name.given_han:
            return self.mess_name(f"{name.family_han}{name.given_han}")
        if x < 0.65 and name.given_han:
            return name.given_han
        if x < 0.85 and name.english:
            return self.mess_name(f"{name.english} {name.family_roman}")
        return self.mess_name(f"{name.given_roman} {name.family_roman}")

    # -- attributes -----------------------------------------------------------------------------

    def city_text(self, p: Person, hh: Household | None) -> str:
        """The city in Chinese (sometimes with 臺) or English."""
        city = hh.city if hh is not None else p.city
        x = self.rand()
        if x < 0.55:
            return city.zh
        if x < 0.65:
            return city.zh.replace("台", "臺")
        return city.en

    def shop_of(self, p: Person) -> Shop:
        """The shop a person walks into: usually one in their city."""
        local = self.shops_by_city.get(p.city.key)
        if local and self.rand() < 0.8:
            return local[int(self.rand() * len(local))]
        shops = self.world.shops
        return shops[int(self.rand() * len(shops))]

    # -- channels ------------------------------------------------------------------------------

    def crm(self, p: Person, hh: Household | None, crm_id: str | None = None) -> Record:
        """A CRM contact: id, e-mail and/or phone, names, birth date."""
        rand = self.rand
        ids = [{"kind": "crm_id", "value": crm_id or p.crm_ids[0]}]
        overlap = crm_id is not None
        if rand() < (0.9 if overlap else 0.85):
            ids.append({"kind": "email", "value": self.email_of(p, hh)})
        if rand() < (0.7 if overlap else 0.75) or len(ids) == 1:
            phone = self.phone_of(p, hh, "crm")
            if phone is not None:
                ids.append({"kind": "phone", "value": phone})
        attrs = self.form_names(p, 0.55, 0.2)
        if rand() < 0.7:
            attrs["birth_date"] = spelled(p.birth_date, p.person_id)
        if rand() < 0.5:
            attrs["gender"] = p.gender
        if rand() < 0.8:
            attrs["city"] = self.city_text(p, hh)
        if rand() < 0.6:
            attrs["preferred_language"] = p.language
        if rand() < 0.7:
            attrs["marketing_opt_in"] = p.marketing_opt_in
        return ids, attrs

    def eshop(self, p: Person, hh: Household | None) -> Record:
        """An e-shop account: user id, e-mail, phone, browser, names."""
        rand = self.rand
        ids = [{"kind": "user_id", "value": p.user_id or ""}]
        if rand() < 0.95:
            ids.append({"kind": "email", "value": self.email_of(p, hh)})
        if rand() < 0.65:
            phone = self.phone_of(p, hh, "eshop")
            if phone is not None:
                ids.append({"kind": "phone", "value": phone})
        if rand() < 0.6:
            ids.append({"kind": "anonymous_id", "value": self.anonymous_of(p, hh)})
        attrs = self.form_names(p, 0.4, 0.35)
        if rand() < 0.6:
            attrs["city"] = self.city_text(p, hh)
        if rand() < 0.2:
            attrs["gender"] = "female" if p.gender == "F" else "male"
        if rand() < 0.5:
            attrs["marketing_opt_in"] = p.marketing_opt_in
        return ids, attrs

    def line(self, p: Person, hh: Household | None) -> Record:
        """A LINE official-account follower, sometimes bound to a membership phone."""
        ids = [{"kind": "line_id", "value": p.line_id or ""}]
        if self.rand() < 0.25:
            phone = self.phone_of(p, hh, "eshop")
            if phone is not None:
                ids.append({"kind": "phone", "value": phone})
        attrs: Attributes = {"name": self.display_name(p)} if self.rand() < 0.95 else {}
        if self.rand() < 0.3:
            attrs["preferred_language"] = p.language
        return ids, attrs

    def whatsapp(self, p: Person, hh: Household | None) -> Record:
        """A WhatsApp conversation: the number in whatever format, a profile name."""
        phone = p.whatsapp_id
        ids = [{"kind": "whatsapp_id", "value": self.render_whatsapp(phone) if phone else ""}]
        attrs: Attributes = {"name": self.display_name(p)} if self.rand() < 0.85 else {}
        return ids, attrs

    def messenger(self, p: Person, hh: Household | None) -> Record:
        """A Messenger conversation: page-scoped id, sometimes an e-mail."""
        ids = [{"kind": "messenger_id", "value": p.messenger_id or ""}]
        if self.rand() < 0.2:
            ids.append({"kind": "email", "value": self.email_of(p, hh)})
        attrs: Attributes = {}
        if self.rand() < 0.9:
            name = p.name
            x = self.rand()
            if x < 0.45 and name.english:
                attrs["name"] = self.mess_name(f"{name.english} {name.family_roman}")
            elif x < 0.7 and name.family_han and name.given_han:
                attrs["name"] = f"{name.family_han}{name.given_han}"
            else:
                attrs["name"] = self.mess_name(f"{name.given_roman} {name.family_roman}")
        return ids, attrs

    def pos(self, p: Person, hh: Household | None) -> Record:
        """A till sale: member card, a guest's own phone, or a walk-in on the front-desk phone."""
        shop = self.shop_of(p)
        attrs: Attributes = {"store": shop.shop_id}
        if p.loyalty_id is not None and self.rand() >= WALK_IN_RATE:
            ids = [{"kind": "loyalty_id", "value": self.loyalty_text(p.loyalty_id)}]
            if self.rand() < 0.7:
                phone = self.phone_of(p, hh, "loyalty")
                if phone is not None:
                    ids.append({"kind": "phone", "value": phone})
            return ids, attrs
        if p.loyalty_id is None and self.rand() < GUEST_PHONE_RATE:
            phone = self.phone_of(p, hh, "booking")
            if phone is not None:
                ids = [{"kind": "phone", "value": phone}]
                if self.rand() < 0.5:
                    ids.append({"kind": "email", "value": self.email_of(p, hh)})
                return ids, attrs
        ids = [{"kind": "phone", "value": self.render_phone(shop.phone)}]
        if p.loyalty_id is not None and self.rand() < 0.4:
            ids.append({"kind": "loyalty_id", "value": self.loyalty_text(p.loyalty_id)})
        else:
            ids.append({"kind": "email", "value": self.email_of(p, hh)})
        attrs["walk_in"] = True
        if self.rand() < 0.25:
            attrs.update(self.form_names(p, 0.6, 0.2))
        return ids, attrs

    def loyalty(self, p: Person, hh: Household | None) -> Record:
        """A loyalty sign-up or profile update: card, phone, e-mail, names."""
        rand = self.rand
        ids = [{"kind": "loyalty_id", "value": self.loyalty_text(p.loyalty_id or "")}]
        if rand() < 0.9:
            phone = self.phone_of(p, hh, "loyalty")
            if phone is not None:
                ids.append({"kind": "phone", "value": phone})
        if rand() < 0.6:
            ids.append({"kind": "email", "value": self.email_of(p, hh)})
        attrs = self.form_names(p, 0.6, 0.2)
        if rand() < 0.6:
            attrs["birth_date"] = spelled(p.birth_date, p.person_id)
        if rand() < 0.4:
            attrs["gender"] = p.gender
        return ids, attrs

    def warranty(self, p: Person, hh: Household | None) -> Record:
        """A warranty registration: e-mail, phone, names, product model and serial."""
        rand = self.rand
        ids: list[Identifier] = []
        if rand() < 0.85:
            ids.append({"kind": "email", "value": self.email_of(p, hh)})
        if rand() < 0.8 or not ids:
            phone = self.phone_of(p, hh, "warranty")
            if phone is not None:
                ids.append({"kind": "phone", "value": phone})
        if not ids:
            ids.append({"kind": "email", "value": self.email_of(p, hh)})
        attrs = self.form_names(p, 0.5, 0.25)
        attrs["product_model"] = self.pick(_PRODUCTS)
        attrs["serial_number"] = "SN" + "".join(self.rng.choices(_SERIAL_CHARS, k=10))
        if rand() < 0.5:
            attrs["city"] = self.city_text(p, hh)
        return ids, attrs

    def booking(self, p: Person, hh: Household | None) -> Record:
        """A booking: phone and/or e-mail and a name."""
        x = self.rand()
        ids: list[Identifier] = []
        if x < 0.75:
            phone = self.phone_of(p, hh, "booking")
            if phone is not None:
                ids.append({"kind": "phone", "value": phone})
        if x >= 0.45 or not ids:
            ids.append({"kind": "email", "value": self.email_of(p, hh)})
        attrs = self.form_names(p, 0.5, 0.3)
        if "last_name" in attrs and self.rand() < 0.4:
            del attrs["last_name"]
        attrs["service"] = self.pick(_SERVICES)
        attrs["store"] = self.shop_of(p).shop_id
        return ids, attrs

    def marketing(self, p: Person, hh: Household | None) -> Record:
        """A marketing-tool contact: e-mail and a browser id, consent, language."""
        ids = [{"kind": "email", "value": self.email_of(p, hh)}]
        if self.rand() < 0.6:
            ids.append({"kind": "anonymous_id", "value": self.anonymous_of(p, hh)})
        opt_in = p.marketing_opt_in if self.rand() < 0.9 else not p.marketing_opt_in
        attrs: Attributes = {"marketing_opt_in": opt_in}
        if self.rand() < 0.5:
            attrs["preferred_language"] = p.language
        return ids, attrs

    def web(self, p: Person, hh: Household | None) -> Record:
        """A web login: the browser id and the account."""
        ids = [
            {"kind": "anonymous_id", "value": self.anonymous_of(p, hh)},
            {"kind": "user_id", "value": p.user_id or ""},
        ]
        attrs: Attributes = {"preferred_language": p.language} if self.rand() < 0.2 else {}
        return ids, attrs

    # -- people -------------------------------------------------------------------------------

    def channels_of(self, p: Person) -> list[str]:
        """The channels a person uses: a random subset of those they could."""
        could = ["pos", "warranty", "booking", "marketing"]
        if p.crm_ids:
            could.append("crm")
        if p.user_id:
            could += ["eshop", "web"]
        if p.line_id:
            could.append("line")
        if p.whatsapp:
            could.append("whatsapp")
        if p.messenger_id:
            could.append("messenger")
        if p.loyalty_id:
            could.append("loyalty")
        used = [c for c in could if self.rand() < CHANNEL_KEEP_RATE]
        if len(p.crm_ids) > 1 and "crm" not in used:
            used.append("crm")
        return used or [could[self.pick_cum(_cum(CHANNEL_WEIGHTS[c] for c in could))]]

    def records_of(self, p: Person, span: int) -> list[tuple[int, str, Record]]:
        """Every record of one person, 1-12 of them: (second offset, channel, record)."""
        hh = self.world.household_of(p)
        used = self.channels_of(p)
        cum = _cum(CHANNEL_WEIGHTS[c] for c in used)
        count = 1 + self.pick_cum(_COUNT_CUM)
        out: list[tuple[int, str, Record]] = []
        if len(p.crm_ids) > 1:
            count = max(count, 2)
            out.append((self.below(span), "crm", self.crm(p, hh)))
            out.append((self.below(span), "crm", self.crm(p, hh, p.crm_ids[1])))
        while len(out) < count:
            channel = used[self.pick_cum(cum)]
            at = self.below(span)
            out.append((at, channel, self.handlers[channel](p, hh)))
            rereg = channel in SIGNUP_CHANNELS and self.rand() < REREGISTRATION_RATE
            if rereg and len(out) < count:
                later = min(span - 1, at + 86_400 + self.below(180 * 86_400))
                out.append((later, channel, self.handlers[channel](p, hh)))
        return out


def _invalidate(rng: random.Random, body: dict[str, Any]) -> None:
    """Replace (or add) one e-mail or phone value with one no normaliser accepts."""
    ids: list[Identifier] = body["identifiers"]
    targets = [i for i in ids if i["kind"] in ("email", "phone", "whatsapp_id")]
    if not targets:
        ids.append({"kind": "email", "value": "jane@"})
        return
    target = targets[int(rng.random() * len(targets))]
    if target["kind"] == "email":
        local = target["value"].strip().partition("@")[0] or "jane"
        target["value"] = rng.choice((f"{local}@", f"{local}.gmail.com", f"{local}@@gmail.com"))
    else:
        target["value"] = rng.choice(_INVALID_PHONES)


def _copy(body: dict[str, Any]) -> dict[str, Any]:
    """An independent copy of an observation body."""
    return {
        **body,
        "identifiers": [dict(i) for i in body["identifiers"]],
        "attributes": dict(body["attributes"]),
    }


def observations_from_world(
    world: World,
    seed: int = 7,
    start: datetime = datetime(2024, 1, 1, tzinfo=UTC),
    days: int = 730,
    invalid_rate: float = 0.0,
) -> list[GeneratedObservation]:
    """Every channel's observations of a world, shuffled, with their true person."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if days < 1:
        raise ValueError("days must be at least 1")
    if not 0.0 <= invalid_rate <= 1.0:
        raise ValueError("invalid_rate must be between 0 and 1")
    with paused_gc():
        return _observe(world, seed, start, days, invalid_rate)


def _observe(
    world: World, seed: int, start: datetime, days: int, invalid_rate: float
) -> list[GeneratedObservation]:
    """The body of observations_from_world, once its arguments are checked."""
    rng = random.Random(f"contact360-demo-channels:{seed}")
    channels = _Channels(world, rng)
    span = days * 86_400
    raw: list[tuple[int, str, Record, str]] = []
    for person in world.people:
        for at, channel, record in channels.records_of(person, span):
            raw.append((at, channel, record, person.person_id))
    raw += _unlinked_records(world, seed, span)
    raw.sort(key=itemgetter(0))
    origin = start.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    shift = origin.minute * 60 + origin.second
    origin = origin.replace(minute=0, second=0)
    counters = dict.fromkeys(CHANNEL_WEIGHTS, 0)
    out: list[GeneratedObservation] = []
    hour_of: dict[int, str] = {}
    for at, channel, (ids, attrs), person_id in raw:
        counters[channel] += 1
        hour, rest = divmod(at + shift, 3600)
        prefix = hour_of.get(hour)
        if prefix is None:
            prefix = (origin + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:")
            hour_of[hour] = prefix
        minute, second = divmod(rest, 60)
        observed = f"{prefix}{minute:02d}:{second:02d}Z"
        body = {
            "id": f"{channel}-{counters[channel]:06d}",
            "source": channel,
            "observed_at": observed,
            "identifiers": ids,
            "attributes": attrs,
        }
        out.append(GeneratedObservation(body, person_id))
    if invalid_rate > 0:
        bad = random.Random(f"contact360-demo-invalid:{seed}")
        for obs in out:
            if bad.random() < invalid_rate:
                _invalidate(bad, obs.body)
    rand = rng.random
    out += [
        GeneratedObservation(_copy(o.body), o.person_id)
        for o in out
        if rand() < DUPLICATE_DELIVERY_RATE
    ]
    rng.shuffle(out)
    return out


def generate_observations(
    people: int,
    seed: int = 7,
    start: datetime = datetime(2024, 1, 1, tzinfo=UTC),
    days: int = 730,
    region: str = "TW",
    invalid_rate: float = 0.0,
) -> list[GeneratedObservation]:
    """Seeded observations of ``people`` people over ``days`` days, with ground truth."""
    world = generate_world(people, seed, region)
    return observations_from_world(world, seed, start, days, invalid_rate)


def spelled(born: date, person_id: str, salt: str = "") -> str:
    """A birth date in one of the spellings channels send, fixed per person (and salt)."""
    pick = zlib.crc32(f"{person_id}{salt}".encode()) % len(DATE_SPELLINGS)
    return born.strftime(DATE_SPELLINGS[pick])


def _unlinked_records(world: World, seed: int, span: int) -> list[tuple[int, str, Record, str]]:
    """Records that share no identifier with anything: a kiosk registration with a mailbox
    used nowhere else, names in a script or spelling of its own, the birth date and city.

    Drawn from their own random stream, so every other record stays as it was.
    """
    rng = random.Random(f"contact360-demo-unlinked:{seed}")
    out: list[tuple[int, str, Record, str]] = []
    for n, p in enumerate(world.people):
        if rng.random() >= NEW_MAILBOX_RATE:
            continue
        name = p.name
        given = rng.choice([g for g in (name.given_han, name.given_roman, name.english) if g])
        if given == name.given_roman and len(given) > 4 and rng.random() < 0.3:
            i = rng.randrange(1, len(given) - 2)
            given = given[:i] + given[i + 1] + given[i] + given[i + 2 :]  # two letters swapped
        family = name.family_han if name.family_han and rng.random() < 0.5 else name.family_roman
        attrs: dict[str, Any] = {"first_name": given, "last_name": family}
        attrs["birth_date"] = spelled(p.birth_date, p.person_id, "kiosk")
        attrs["city"] = p.city.zh if rng.random() < 0.6 else p.city.en
        local = f"{name.given_roman}{name.family_roman}".lower().replace(" ", "").replace("-", "")
        ids = [{"kind": "email", "value": f"{local}.k{n}@kioskmail.tw"}]
        out.append((rng.randrange(span), "warranty", (ids, attrs), p.person_id))
    return out
