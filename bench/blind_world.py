"""A blind benchmark: a retail brand's customer records as its channels really send them.

Written without reading the resolver, its policy or the project's own demo generator: the
data follow what Taiwanese retail/service channels (CRM, e-shop, LINE/WhatsApp/Messenger
inboxes, POS and loyalty, warranty, bookings, newsletter, web cookies) collect, and the mess
they carry. The generator keeps the truth (the person behind every record) and tags every
record with the mess it carries, so that failures can be attributed to a cause.

Run (from the repository root)::

    .venv/bin/python -m bench.blind_world --people 4000 --seed 1

The real server is started in a subprocess (``c360 serve``, a fresh SQLite store in a temp
directory, ``C360_DEFAULT_REGION=TW``, a key made with ``c360 keys create``), records are
posted in batches of 1,000 in the order they were observed, then every record's
identifiers are resolved with ``POST /v1/resolve``: a record's customer is the customer most
of its identifiers resolve to (records whose identifiers resolve to nobody are singletons).
Values the API refuses (``0000000000``, impossible landlines) make a whole batch answer 422;
like a real integration, the runner then drops the refused identifiers (a record left with
none is not stitched, so it is a singleton) and posts the batch again, and reports them.
Pairwise precision/recall/F1 (``tests/support/truth.py``) are compared with two references:
the identifier ceiling (records joined only through identifier values exactly one person
ever used) and naive connected components over every shared identifier value.

Failure analysis: a lost pair (same person, two engine customers) is attributed to the
most explanatory mess tag (``SPLIT_PRIORITY``) found on the records of that person in the
smaller engine cluster of the two, else in the other one; it is also marked by whether the
ceiling joins it (an identifier path only that person used exists, so the evidence was
there) and, if not, by the person evidence both records hold. A wrong pair (two people, one
engine customer) is attributed to a record of either person carrying the other's
identifiers (shared login or loyalty card, an order for a family member, a warranty
registered by one), else to the category of the values their records share (landline,
family mailbox or computer, placeholder, store phone), else to how the two relate (twins,
Jr/Sr, same household, same name). ``resolve`` also answers each value's status, so values
only one person ever used that the engine answers as ``generic`` are listed with the mess on
the records that carry them.

Population and rates (per person unless said otherwise) and why:

* Households: 1 person 30 %, 2 → 30 %, 3 → 20 %, 4 → 15 %, 5 → 5 % (Taiwan's average
  household is ~2.6-2.9). 93 % Taiwanese (wives keep their own surname, children take the
  father's), 7 % Western/foreign households (shared surname, nicknames Bob/Robert). Children
  under 13 never appear as customers. Twins: 4 % of households with two or more children
  (≈1 % of households; twins are ~1.5-3 % of births). Jr/Sr (a son with his father's given
  name): 15 % of Western households with a son (≈0.3 % of people) — rare in Taiwan.
* Phones: 97 % of adults have a mobile (85 % of teens); 10 % carry a second (work) mobile;
  7 % changed number during the period (older records keep the old one). Households have a
  landline 55 % (singles 25 %); 20 % of records that ask for a phone get the landline when
  there is one. Formats as typed: ``0912345678`` 45 %, ``0912-345-678`` 20 %,
  ``0912 345 678`` 8 %, ``+886912345678`` 12 %, ``+886 912 345 678`` 5 %, ``886912345678``
  3 %, ``+886-912-345-678`` 4 %, with stray spaces 3 %.
* E-mail: 88 % of adults have one (gmail 55 %, yahoo.com.tw 20 %, hotmail/outlook 12 %,
  icloud 5 %, hinet 8 %), 25 % a second mailbox (work or an old one). Written with capitals
  10 %, surrounding spaces 3 %, gmail dots moved 8 % and ``+tags`` 5 % on sign-ups, a typo
  (``gmial.com``) 1.5 %. Family mailbox in 12 % of multi-person households, used for
  newsletters, warranty and the e-shop.
* Devices: each person 1-3 own cookies (phone, laptop); a family computer in 35 % of
  multi-person households, used for 40 % of its members' web visits. A person with two
  e-shop accounts logs both in from their own devices (a true link through a cookie).
* Channels (participation per adult): CRM 40 % (8 % of them with a duplicate CRM record made
  later by the call centre, fewer fields, another phone); e-shop 50 % (12 % of them with a
  second account under another mailbox), 1-3 web-cookie records per account; LINE 45 %
  (teens 60 %; 50 % bound to membership by phone, otherwise only a display name); WhatsApp
  5 % (foreigners 50 %); Messenger 15 %; loyalty enrolment 50 % with 1-3 POS sales each
  (card scanned 70 %, looked up by phone 30 %); a walk-in sale where the clerk typed contact
  details 20 % (a placeholder such as ``0000000000``/``noemail@…`` 40 %, the store's own
  number 25 %, the real mobile 35 %); warranty registration 18 %; service booking 18 %;
  newsletter 30 %. That is ~4.5 records per person.
* Sharing across people: couples sharing one e-shop account 4 % (the partner's orders go
  out under the holder's login), sharing a loyalty card 5 % (the partner's sales are
  scanned on the holder's card); one family member buying for another 8 % of e-shop users in
  multi-person households (order under the buyer's account, the recipient's name and
  phone); a warranty registered by a family member with their own mailbox 10 %.
* Names: Taiwanese records in Chinese characters mostly, the passport romanisation
  (Wade-Giles, ``Chih-Ming``) or pinyin in international channels, the English name
  (Kevin, Amy) in chat and e-shop; surname transliterations vary (Chen/Chan/Tan, Lin/Lim).
  Homophone-character or letter typos 3 %, first/last swapped 3 %, the whole name in one
  field 3 %; clerks type only the surname and a title (陳先生). Chat channels mostly give a
  display name only (``Kevin 陳``, ``阿明``, ``小美🌸``).
* Clerks' names for walk-ins and phone bookings: the surname and a title — ``last_name``
  陳 + ``first_name`` 先生 50 %, ``last_name`` + the title as ``gender`` 30 %, ``陳先生`` in
  ``first_name`` 20 % (POS systems keep one name field; integrations split it differently).
* Birth dates: asked by CRM (60 %), loyalty (85 %, birthday coupons), e-shop (35 %),
  warranty (20 %); typed ``YYYY-MM-DD`` 50 %, ``YYYY/MM/DD`` 30 %, ``YYYYMMDD`` 15 %,
  ``DD/MM/YYYY`` 5 %; a one-digit typo 2 %, day and month swapped 2 % (when possible).

Known limits: given names are drawn from ~34 characters per gender, so two unrelated people
share a full name more often than in Taiwan at large (pessimistic for person matching);
every record carries exactly one true person, even when it mixes two (a shared login: the
person who placed the order; an order for a family member: the buyer).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import phonenumbers

from bench.blind_attribution import attribute
from bench.blind_attribution import markdown as attribution_markdown
from tests.support.truth import PairwiseScore, pairwise_score

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "blind_world.json"

# --------------------------------------------------------------------------- name tables

# surname: (Wade-Giles / passport, pinyin, other transliterations seen on cards and chats)
SURNAMES: list[tuple[str, float, tuple[str, ...]]] = [
    ("陳", 11.0, ("Chen", "Chen", "Chan", "Tan")),
    ("林", 8.3, ("Lin", "Lin", "Lim")),
    ("黃", 6.0, ("Huang", "Huang", "Hwang", "Wong")),
    ("張", 5.3, ("Chang", "Zhang", "Cheung")),
    ("李", 5.1, ("Lee", "Li", "Lee")),
    ("王", 4.1, ("Wang", "Wang", "Ong")),
    ("吳", 4.0, ("Wu", "Wu", "Ng")),
    ("劉", 3.2, ("Liu", "Liu", "Lau")),
    ("蔡", 2.9, ("Tsai", "Cai", "Choi")),
    ("楊", 2.6, ("Yang", "Yang", "Yeung")),
    ("許", 2.3, ("Hsu", "Xu", "Hsu")),
    ("鄭", 1.9, ("Cheng", "Zheng", "Tay")),
    ("謝", 1.8, ("Hsieh", "Xie", "Shieh")),
    ("郭", 1.7, ("Kuo", "Guo", "Kwok")),
    ("洪", 1.6, ("Hung", "Hong", "Ang")),
    ("邱", 1.4, ("Chiu", "Qiu", "Khoo")),
    ("曾", 1.4, ("Tseng", "Zeng", "Tsang")),
    ("廖", 1.3, ("Liao", "Liao", "Liau")),
    ("賴", 1.3, ("Lai", "Lai", "Lai")),
    ("周", 1.2, ("Chou", "Zhou", "Chow")),
    ("徐", 1.1, ("Hsu", "Xu", "Tsui")),
    ("蘇", 1.0, ("Su", "Su", "Soo")),
    ("葉", 1.0, ("Yeh", "Ye", "Yip")),
    ("莊", 0.9, ("Chuang", "Zhuang", "Chong")),
    ("呂", 0.9, ("Lu", "Lyu", "Lui")),
    ("江", 0.9, ("Chiang", "Jiang", "Kang")),
    ("何", 0.8, ("Ho", "He", "Ho")),
    ("蕭", 0.8, ("Hsiao", "Xiao", "Siu")),
    ("羅", 0.8, ("Lo", "Luo", "Law")),
    ("高", 0.8, ("Kao", "Gao", "Ko")),
]

# given-name character: (Wade-Giles, pinyin)
MALE_CHARS: dict[str, tuple[str, str]] = {
    "志": ("Chih", "Zhi"),
    "明": ("Ming", "Ming"),
    "家": ("Chia", "Jia"),
    "豪": ("Hao", "Hao"),
    "俊": ("Chun", "Jun"),
    "傑": ("Chieh", "Jie"),
    "建": ("Chien", "Jian"),
    "宏": ("Hung", "Hong"),
    "冠": ("Kuan", "Guan"),
    "宇": ("Yu", "Yu"),
    "承": ("Cheng", "Cheng"),
    "翰": ("Han", "Han"),
    "柏": ("Po", "Bo"),
    "彥": ("Yen", "Yan"),
    "文": ("Wen", "Wen"),
    "哲": ("Che", "Zhe"),
    "信": ("Hsin", "Xin"),
    "偉": ("Wei", "Wei"),
    "仁": ("Jen", "Ren"),
    "德": ("Te", "De"),
    "國": ("Kuo", "Guo"),
    "正": ("Cheng", "Zheng"),
    "育": ("Yu", "Yu"),
    "維": ("Wei", "Wei"),
    "書": ("Shu", "Shu"),
    "廷": ("Ting", "Ting"),
    "凱": ("Kai", "Kai"),
    "嘉": ("Chia", "Jia"),
    "睿": ("Jui", "Rui"),
    "祥": ("Hsiang", "Xiang"),
    "彬": ("Pin", "Bin"),
    "榮": ("Jung", "Rong"),
    "昇": ("Sheng", "Sheng"),
    "勝": ("Sheng", "Sheng"),
}
FEMALE_CHARS: dict[str, tuple[str, str]] = {
    "雅": ("Ya", "Ya"),
    "婷": ("Ting", "Ting"),
    "怡": ("Yi", "Yi"),
    "君": ("Chun", "Jun"),
    "佳": ("Chia", "Jia"),
    "慧": ("Hui", "Hui"),
    "淑": ("Shu", "Shu"),
    "芬": ("Fen", "Fen"),
    "美": ("Mei", "Mei"),
    "玲": ("Ling", "Ling"),
    "欣": ("Hsin", "Xin"),
    "宜": ("Yi", "Yi"),
    "筱": ("Hsiao", "Xiao"),
    "涵": ("Han", "Han"),
    "詩": ("Shih", "Shi"),
    "琪": ("Chi", "Qi"),
    "靜": ("Ching", "Jing"),
    "惠": ("Hui", "Hui"),
    "秀": ("Hsiu", "Xiu"),
    "珍": ("Chen", "Zhen"),
    "庭": ("Ting", "Ting"),
    "瑜": ("Yu", "Yu"),
    "萱": ("Hsuan", "Xuan"),
    "如": ("Ju", "Ru"),
    "瑩": ("Ying", "Ying"),
    "蓉": ("Jung", "Rong"),
    "芳": ("Fang", "Fang"),
    "潔": ("Chieh", "Jie"),
    "翠": ("Tsui", "Cui"),
    "儀": ("Yi", "Yi"),
    "蘭": ("Lan", "Lan"),
    "綺": ("Chi", "Qi"),
    "姿": ("Tzu", "Zi"),
    "薇": ("Wei", "Wei"),
}
HOMOPHONES: dict[str, str] = {
    "志": "智",
    "明": "銘",
    "偉": "瑋",
    "婷": "庭",
    "庭": "婷",
    "怡": "宜",
    "宜": "怡",
    "玲": "伶",
    "慧": "惠",
    "惠": "慧",
    "傑": "杰",
    "宏": "弘",
    "君": "鈞",
    "佳": "家",
    "家": "佳",
    "雅": "亞",
    "豪": "濠",
    "俊": "峻",
    "欣": "馨",
    "琪": "琦",
    "珍": "真",
}
ENGLISH_M = [
    "Kevin",
    "Jason",
    "Eric",
    "Allen",
    "Vincent",
    "Jerry",
    "Kenny",
    "Leo",
    "Ray",
    "Tony",
    "Andy",
    "Steven",
    "Jack",
    "Peter",
    "Sam",
    "Alex",
    "Frank",
    "Ivan",
]
ENGLISH_F = [
    "Amy",
    "Vivian",
    "Grace",
    "Tiffany",
    "Cindy",
    "Irene",
    "Joyce",
    "Wendy",
    "Emily",
    "Sandy",
    "Claire",
    "Annie",
    "Iris",
    "Peggy",
    "Ruby",
    "Alice",
    "Zoe",
    "Elaine",
]
WESTERN_M: dict[str, list[str]] = {
    "Robert": ["Bob", "Rob", "Bobby"],
    "William": ["Bill", "Will"],
    "James": ["Jim", "Jimmy"],
    "Michael": ["Mike"],
    "Richard": ["Rick", "Rich"],
    "Thomas": ["Tom"],
    "Christopher": ["Chris"],
    "Daniel": ["Dan", "Danny"],
    "Matthew": ["Matt"],
    "Joseph": ["Joe"],
    "David": ["Dave"],
    "Andrew": ["Andy", "Drew"],
}
WESTERN_F: dict[str, list[str]] = {
    "Elizabeth": ["Liz", "Beth"],
    "Katherine": ["Kate", "Katie"],
    "Jennifer": ["Jen", "Jenny"],
    "Margaret": ["Maggie", "Peggy"],
    "Patricia": ["Pat", "Trish"],
    "Susan": ["Sue"],
    "Rebecca": ["Becky"],
    "Alexandra": ["Alex"],
    "Victoria": ["Vicky"],
    "Deborah": ["Debbie"],
    "Samantha": ["Sam"],
    "Christine": ["Chris", "Tina"],
}
WESTERN_SURNAMES = [
    "Smith",
    "Johnson",
    "Brown",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Moore",
    "Martin",
    "Clark",
    "Walker",
    "Young",
    "Schmidt",
    "Müller",
    "Dubois",
    "Tanaka",
    "Suzuki",
    "Nguyen",
    "Kim",
    "Park",
    "Santos",
]

# city, districts (name, postcode), landline area code and subscriber digits
CITIES: list[tuple[str, list[tuple[str, str]], str, int, float]] = [
    (
        "台北市",
        [
            ("大安區", "106"),
            ("信義區", "110"),
            ("中山區", "104"),
            ("內湖區", "114"),
            ("士林區", "111"),
        ],
        "02",
        8,
        0.28,
    ),
    (
        "新北市",
        [("板橋區", "220"), ("新店區", "231"), ("中和區", "235"), ("三重區", "241")],
        "02",
        8,
        0.22,
    ),
    ("台中市", [("西屯區", "407"), ("北屯區", "406")], "04", 8, 0.16),
    ("高雄市", [("苓雅區", "802"), ("左營區", "813")], "07", 7, 0.14),
    ("桃園市", [("桃園區", "330"), ("中壢區", "320")], "03", 7, 0.12),
    ("台南市", [("東區", "701"), ("永康區", "710")], "06", 7, 0.08),
]
ROADS = [
    "忠孝東路",
    "復興南路",
    "中山北路",
    "民生東路",
    "文化路",
    "中正路",
    "民權路",
    "建國路",
    "和平東路",
    "光復路",
    "中華路",
    "自由路",
    "成功路",
    "博愛路",
    "仁愛路",
]

PLACEHOLDER_PHONES = [
    "0000000000",
    "0900000000",
    "0912345678",
    "1234567890",
    "0911111111",
    "0999999999",
]
PLACEHOLDER_EMAILS = [
    "noemail@gmail.com",
    "none@none.com",
    "no@email.com",
    "na@na.com",
    "test@test.com",
    "noemail@brand.com.tw",
    "x@x.com",
]

START = datetime(2023, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 30, tzinfo=UTC)

# Record tags, most explanatory first (attribution picks the first a record carries).
SPLIT_PRIORITY = [
    "shared_account",
    "shared_loyalty",
    "buys_for_family",
    "registered_by_family",
    "walkin_placeholder",
    "walkin_store_phone",
    "chat_only",
    "title_as_name",
    "new_number",
    "second_mobile",
    "second_email",
    "second_account",
    "email_typo",
    "crm_duplicate",
    "landline_only",
    "family_email",
    "family_computer",
    "walkin_own_phone",
    "phone_lookup",
    "twin",
    "jr_sr",
    "name_typo",
    "name_swapped",
    "name_one_field",
    "translit_variant",
    "nickname",
    "dob_typo",
    "dob_swap",
    "dob_foreign_format",
    "gmail_variant",
    "email_case",
    "phone_format",
]


# --------------------------------------------------------------------------- the world


@dataclass
class Household:
    """People under one roof: an address, maybe a landline, a family mailbox or computer."""

    hid: str
    city: str
    district: str
    postcode: str
    road: str
    section: int
    number: int
    floor: int
    landline: str | None = None
    family_email: str | None = None
    family_pc: str | None = None
    members: list[Person] = field(default_factory=list)


@dataclass
class Person:
    """One real person, as the truth knows them."""

    pid: str
    hh: Household
    gender: str
    birth: date
    western: bool
    family: str
    given: str
    roman_family: tuple[str, ...]
    roman_given: tuple[str, str]  # Wade-Giles ("Chih-Ming"), pinyin ("Zhiming")
    english: str | None
    nicknames: list[str]
    teen: bool
    suffix: str = ""
    mobile: str | None = None
    old_mobile: str | None = None
    switch_at: datetime | None = None
    work_mobile: str | None = None
    emails: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    partner: Person | None = None
    tags: set[str] = field(default_factory=set)


@dataclass
class Record:
    """One observation as a channel sends it, with the truth and the mess it carries."""

    body: dict[str, Any]
    person: str
    tags: list[str]


@dataclass
class Store:
    """A shop with its own front-desk phone."""

    name: str
    phone: str


class World:
    """Seeded generator of people, households and their channel records."""

    def __init__(self, people: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.target = people
        self.households: list[Household] = []
        self.people: list[Person] = []
        self.records: list[Record] = []
        self.used_numbers: set[str] = set()
        self.used_emails: set[str] = set()
        self.counter: Counter[str] = Counter()
        # normalised key -> category of a value several people may share
        self.shared_category: dict[str, str] = {}
        self.stores = [self._store(i) for i in range(12)]
        self._people()
        self._records()

    # ----------------------------------------------------------------------- helpers

    def _id(self, prefix: str) -> str:
        self.counter[prefix] += 1
        return f"{prefix}-{self.counter[prefix]:07d}"

    def _hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def _when(self, after: datetime = START) -> datetime:
        span = (END - after).total_seconds()
        return after + timedelta(seconds=self.rng.uniform(0, max(span, 1.0)))

    def _mobile(self) -> str:
        while True:
            number = "09" + "".join(self.rng.choice("0123456789") for _ in range(8))
            if number not in self.used_numbers and number not in PLACEHOLDER_PHONES:
                self.used_numbers.add(number)
                return number

    def _landline(self, area: str, digits: int) -> str:
        while True:
            first = self.rng.choice(
                {"02": "28", "03": "34", "04": "2", "06": "2", "07": "378"}.get(area, "2")
            )
            rest = "".join(self.rng.choice("0123456789") for _ in range(digits - 1))
            number = area + first + rest
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def _store(self, i: int) -> Store:
        city = CITIES[i % len(CITIES)]
        phone = self._landline(city[2], city[3])
        self.shared_category[norm_phone(phone)] = "store_phone"
        return Store(f"{city[0]}{i + 1}號店", phone)

    def _email(self, p: Person, work: bool = False) -> str:
        rng = self.rng
        given = p.roman_given[0].replace("-", "").lower() if not p.western else p.given.lower()
        fam = p.roman_family[-1 if p.western else 0].lower().replace("ü", "ue")
        handles = [
            f"{given}.{fam}",
            f"{given}{fam}",
            f"{fam}{given}",
            f"{given[0]}{fam}",
            f"{(p.english or given).lower()}{fam}",
            f"{(p.english or given).lower()}{rng.randint(1, 999)}",
            f"{fam}{p.birth.year % 100:02d}{rng.randint(1, 99)}",
            rng.choice(["happy", "sunny", "blue", "cat", "moon", "tiger"])
            + str(rng.randint(10, 9999)),
        ]
        if work:
            domain = rng.choice(
                [
                    "tsmc.com",
                    "asus.com",
                    "acer.com",
                    "gov.tw",
                    "ntu.edu.tw",
                    "cathaylife.com.tw",
                    "esun.com",
                    "company.com.tw",
                ]
            )
            handles = [f"{given}.{fam}", f"{given[0]}{fam}", f"{fam}_{given}"]
        else:
            domain = rng.choices(
                [
                    "gmail.com",
                    "yahoo.com.tw",
                    "hotmail.com",
                    "outlook.com",
                    "icloud.com",
                    "ms1.hinet.net",
                ],
                [55, 20, 7, 5, 5, 8],
            )[0]
        while True:
            email = f"{rng.choice(handles)}@{domain}"
            if email not in self.used_emails:
                self.used_emails.add(email)
                return email
            handles.append(f"{given}{fam}{rng.randint(1, 9999)}")

    # ----------------------------------------------------------------------- people

    def _household(self) -> Household:
        rng = self.rng
        city = rng.choices(CITIES, [c[4] for c in CITIES])[0]
        district, postcode = rng.choice(city[1])
        hh = Household(
            hid=f"H{len(self.households):05d}",
            city=city[0],
            district=district,
            postcode=postcode,
            road=rng.choice(ROADS),
            section=rng.randint(0, 4),
            number=rng.randint(1, 350),
            floor=rng.randint(1, 15),
        )
        hh.landline = None
        self.households.append(hh)
        return hh

    def _person(
        self,
        hh: Household,
        gender: str,
        birth: date,
        western: bool,
        family: tuple[str, tuple[str, ...]],
        given: str | None = None,
    ) -> Person:
        rng = self.rng
        teen = birth.year >= 2008
        if western:
            table = WESTERN_M if gender == "M" else WESTERN_F
            g = given or rng.choice(list(table))
            p = Person(
                pid=f"P{len(self.people):05d}",
                hh=hh,
                gender=gender,
                birth=birth,
                western=True,
                family=family[0],
                given=g,
                roman_family=family[1],
                roman_given=(g, g),
                english=None,
                nicknames=list(table.get(g, [])),
                teen=teen,
            )
        else:
            chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
            if given is None:
                a, b = rng.sample(list(chars), 2)
                given = a + b
            wade_parts = [chars[c][0] if c in chars else "Chia" for c in given]
            wade = wade_parts[0] + "-" + wade_parts[1].lower()
            pin = "".join(chars[c][1] if c in chars else "Jia" for c in given)
            pin = pin[0] + pin[1:].lower()
            english = None
            if rng.random() < 0.6:
                english = rng.choice(ENGLISH_M if gender == "M" else ENGLISH_F)
            p = Person(
                pid=f"P{len(self.people):05d}",
                hh=hh,
                gender=gender,
                birth=birth,
                western=False,
                family=family[0],
                given=given,
                roman_family=family[1],
                roman_given=(wade, pin),
                english=english,
                nicknames=["阿" + given[-1], "小" + given[-1]],
                teen=teen,
            )
        # phones, mails, devices
        if rng.random() < (0.85 if teen else 0.97):
            p.mobile = self._mobile()
            if rng.random() < 0.07:
                p.old_mobile = self._mobile()
                p.switch_at = self._when(START + timedelta(days=200))
        if not teen and rng.random() < 0.10:
            p.work_mobile = self._mobile()
        if rng.random() < (0.7 if teen else 0.88):
            p.emails.append(self._email(p))
            if not teen and rng.random() < 0.25:
                p.emails.append(self._email(p, work=rng.random() < 0.6))
        p.devices = [self._hex(32) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
        hh.members.append(p)
        self.people.append(p)
        return p

    def _surname(self, western: bool) -> tuple[str, tuple[str, ...]]:
        if western:
            s = self.rng.choice(WESTERN_SURNAMES)
            return s, (s, s.replace("ü", "ue"))
        row = self.rng.choices(SURNAMES, [s[1] for s in SURNAMES])[0]
        return row[0], row[2]

    def _birth(self, lo: int, hi: int) -> date:
        return date(self.rng.randint(lo, hi), self.rng.randint(1, 12), self.rng.randint(1, 28))

    def _people(self) -> None:
        rng = self.rng
        while len(self.people) < self.target:
            size = rng.choices([1, 2, 3, 4, 5], [30, 30, 20, 15, 5])[0]
            size = min(size, self.target - len(self.people))
            western = rng.random() < 0.07
            hh = self._household()
            fam_a = self._surname(western)
            if size == 1:
                self._person(hh, rng.choice("FM"), self._birth(1950, 2003), western, fam_a)
            else:
                couple = rng.random() < 0.75 or size >= 3
                base = rng.randint(1950, 1990)
                if couple:
                    a = self._person(hh, "M", self._birth(base - 3, base), western, fam_a)
                    b = self._person(
                        hh,
                        "F",
                        self._birth(base, base + 4),
                        western,
                        fam_a if western else self._surname(False),
                    )
                    a.partner, b.partner = b, a
                    kids = size - 2
                    father = a
                else:
                    father = self._person(
                        hh, rng.choice("FM"), self._birth(base - 2, base), western, fam_a
                    )
                    kids = size - 1
                if kids:
                    # children of the father's surname, born 22-40 years after him
                    lo = min(father.birth.year + 22, 2012)
                    hi = min(father.birth.year + 40, 2013)
                    twins = kids >= 2 and rng.random() < 0.04
                    first: Person | None = None
                    for k in range(kids):
                        gender = rng.choice("FM")
                        given = None
                        birth = self._birth(lo, hi)
                        if twins and k == 1 and first is not None:
                            birth, gender = (
                                first.birth,
                                first.gender if rng.random() < 0.6 else gender,
                            )
                            if not western and gender == first.gender:
                                chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
                                other = rng.choice([c for c in chars if c not in first.given])
                                given = first.given[0] + other
                        jr = (
                            western
                            and father.gender == "M"
                            and gender == "M"
                            and k == 0
                            and rng.random() < 0.15
                        )
                        if jr:
                            given = father.given
                        kid = self._person(hh, gender, birth, western, fam_a, given)
                        if twins and k == 1 and first is not None:
                            kid.tags.add("twin")
                            first.tags.add("twin")
                        if jr:
                            kid.tags.add("jr_sr")
                            kid.suffix = "Jr."
                            father.tags.add("jr_sr")
                        first = first or kid
            # household-level shared identifiers
            area, digits = next((c[2], c[3]) for c in CITIES if c[0] == hh.city)
            if rng.random() < (0.55 if len(hh.members) > 1 else 0.25):
                hh.landline = self._landline(area, digits)
                self.shared_category[norm_phone(hh.landline)] = "landline"
            if len(hh.members) > 1 and rng.random() < 0.12:
                head = hh.members[0]
                fam = head.roman_family[-1 if head.western else 0].lower().replace("ü", "ue")
                hh.family_email = f"{fam}family{rng.randint(1, 999)}@gmail.com"
                self.shared_category[norm_email(hh.family_email)] = "family_email"
            if len(hh.members) > 1 and rng.random() < 0.35:
                hh.family_pc = self._hex(32)
                self.shared_category["anonymous_id:" + hh.family_pc] = "family_computer"

    # ----------------------------------------------------------------------- rendering

    def phone_text(self, national: str, tags: list[str]) -> str:
        """A phone number as somebody typed it."""
        rng = self.rng
        sub = national[1:]
        mobile = national.startswith("09")
        if mobile:
            a, b, c = national[:4], national[4:7], national[7:]
            forms = [
                (national, 45),
                (f"{a}-{b}-{c}", 20),
                (f"{a} {b} {c}", 8),
                (f"+886{sub}", 12),
                (f"+886 {sub[:3]} {sub[3:6]} {sub[6:]}", 5),
                (f"886{sub}", 3),
                (f"+886-{sub[:3]}-{sub[3:6]}-{sub[6:]}", 4),
                (f" {national} ", 3),
            ]
        else:
            area, rest = national[:2], national[2:]
            mid = len(rest) - 4
            forms = [
                (national, 35),
                (f"{area}-{rest[:mid]}-{rest[mid:]}", 30),
                (f"({area}){rest[:mid]}-{rest[mid:]}", 20),
                (f"{area}-{rest}", 10),
                (f"+886 {area[1:]} {rest[:mid]} {rest[mid:]}", 5),
            ]
        text = rng.choices([f[0] for f in forms], [f[1] for f in forms])[0]
        if text != national:
            tags.append("phone_format")
        return text

    def email_text(self, email: str, tags: list[str], signup: bool = False) -> str:
        """An e-mail as somebody typed it."""
        rng = self.rng
        local, _, domain = email.partition("@")
        if domain == "gmail.com" and signup:
            if rng.random() < 0.08 and len(local) > 3:
                bare = local.replace(".", "")
                cut = rng.randint(1, len(bare) - 1)
                local = bare[:cut] + "." + bare[cut:]
                tags.append("gmail_variant")
            if rng.random() < 0.05:
                local += "+" + rng.choice(["shop", "news", "promo", "tw"])
                tags.append("gmail_variant")
        r = rng.random()
        if r < 0.015:
            domain = {
                "gmail.com": "gmial.com",
                "yahoo.com.tw": "yaho.com.tw",
                "hotmail.com": "hotmial.com",
            }.get(domain, domain)
            if len(local) > 4:
                i = rng.randint(1, len(local) - 2)
                local = local[:i] + local[i + 1 :]
            tags.append("email_typo")
        text = f"{local}@{domain}"
        if rng.random() < 0.10:
            text = (
                text[0].upper() + text[1:]
                if rng.random() < 0.5
                else local.title() + "@" + domain.title()
            )
            tags.append("email_case")
        if rng.random() < 0.03:
            text = f" {text} "
        return text

    def name(self, p: Person, style: str, tags: list[str]) -> tuple[str | None, str | None]:
        """(first_name, last_name) in a style: native, roman, pinyin, english."""
        rng = self.rng
        if p.western:
            first = p.given
            if (style == "english" or rng.random() < 0.25) and p.nicknames:
                first = rng.choice(p.nicknames)
                tags.append("nickname")
            last = p.family + (f" {p.suffix}" if p.suffix and rng.random() < 0.3 else "")
            if rng.random() < 0.03:
                first = _letter_typo(rng, first)
                tags.append("name_typo")
        elif style == "native":
            first, last = p.given, p.family
            if rng.random() < 0.03:
                i = rng.randrange(len(first))
                if first[i] in HOMOPHONES:
                    first = first[:i] + HOMOPHONES[first[i]] + first[i + 1 :]
                    tags.append("name_typo")
        else:
            if style == "pinyin":
                first, last = p.roman_given[1], p.roman_family[1]
            elif style == "english" and p.english:
                first, last = p.english, p.roman_family[0]
                tags.append("nickname")
            else:
                first, last = p.roman_given[0], p.roman_family[0]
                r = rng.random()
                if r < 0.15:
                    first = first.replace("-", " ")
                elif r < 0.25:
                    first = first.replace("-", "")
            if rng.random() < 0.15 and len(p.roman_family) > 2:
                last = rng.choice(p.roman_family[2:])
                if last != p.roman_family[0]:
                    tags.append("translit_variant")
            if rng.random() < 0.2:
                last = last.upper()
            if rng.random() < 0.03:
                first = _letter_typo(rng, first)
                tags.append("name_typo")
        r = rng.random()
        if r < 0.03:
            tags.append("name_swapped")
            return last, first
        if r < 0.06:
            tags.append("name_one_field")
            full = f"{last}{first}" if style == "native" and not p.western else f"{first} {last}"
            return full, None
        return first, last

    def birth_text(self, p: Person, tags: list[str]) -> str:
        """A birth date as typed into a form."""
        rng = self.rng
        y, m, d = p.birth.year, p.birth.month, p.birth.day
        r = rng.random()
        if r < 0.02:
            which = rng.choice("yd")
            if which == "y":
                y += rng.choice([-1, 1, -10, 10])
            else:
                d = max(1, min(28, d + rng.choice([-1, 1, 10, -10])))
            tags.append("dob_typo")
        elif r < 0.04 and d <= 12 and d != m:
            m, d = d, m
            tags.append("dob_swap")
        fmt = rng.choices(["iso", "slash", "compact", "dmy"], [50, 30, 15, 5])[0]
        if fmt == "dmy":
            tags.append("dob_foreign_format")
            return f"{d:02d}/{m:02d}/{y}"
        if fmt == "slash":
            return f"{y}/{m:02d}/{d:02d}"
        if fmt == "compact":
            return f"{y}{m:02d}{d:02d}"
        return f"{y}-{m:02d}-{d:02d}"

    def gender_text(self, p: Person, channel: str) -> str:
        """Gender as a channel writes it."""
        table = {"crm": ("F", "M"), "loyalty": ("女", "男"), "eshop": ("female", "male")}
        f, m = table.get(channel, ("F", "M"))
        return f if p.gender == "F" else m

    def address(self, hh: Household, tags: list[str]) -> dict[str, str]:
        """Postal address fields as a form collects them."""
        rng = self.rng
        sec = f"{'一二三四五'[hh.section - 1]}段" if hh.section else ""
        floor = f"{hh.floor}樓" if rng.random() < 0.7 else f"{hh.floor}F"
        street = f"{hh.road}{sec}{hh.number}號{floor}"
        if rng.random() < 0.5:
            street = hh.district + street
        city = hh.city.replace("台", "臺") if rng.random() < 0.2 else hh.city
        out = {"street": street, "city": city, "country": "TW"}
        if rng.random() < 0.7:
            out["postcode"] = hh.postcode
        return out

    def phone_of(
        self, p: Person, at: datetime, tags: list[str], landline_ok: bool = True
    ) -> str | None:
        """The phone a person gives at a time (old or new mobile, work phone, landline)."""
        rng = self.rng
        if landline_ok and p.hh.landline and (rng.random() < 0.2 or not p.mobile):
            tags.append("landline_only")
            return p.hh.landline
        if p.work_mobile and rng.random() < 0.3:
            tags.append("second_mobile")
            return p.work_mobile
        if p.old_mobile and p.switch_at:
            if at < p.switch_at:
                tags.append("new_number")  # the old number, used before the change
                return p.old_mobile
            tags.append("new_number")
            return p.mobile
        return p.mobile

    def email_of(self, p: Person, tags: list[str]) -> str | None:
        """The mailbox a person gives (the second one sometimes)."""
        if not p.emails:
            return None
        if len(p.emails) > 1 and self.rng.random() < 0.35:
            tags.append("second_email")
            return p.emails[1]
        return p.emails[0]

    # ----------------------------------------------------------------------- channels

    def emit(
        self,
        p: Person,
        source: str,
        at: datetime,
        idents: list[tuple[str, str | None]],
        attrs: dict[str, Any],
        tags: list[str],
        prefix: str | None = None,
    ) -> None:
        """Append a record, dropping identifiers without a value."""
        identifiers = [{"kind": k, "value": v} for k, v in idents if v]
        if not identifiers:
            return
        tags = list(dict.fromkeys(tags + sorted(p.tags)))
        body = {
            "id": self._id(prefix or source),
            "source": source,
            "observed_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "identifiers": identifiers,
            "attributes": attrs,
        }
        self.records.append(Record(body, p.pid, tags))

    def _named(
        self, p: Person, styles: Sequence[tuple[str, float]], tags: list[str]
    ) -> dict[str, Any]:
        style = self.rng.choices([s[0] for s in styles], [s[1] for s in styles])[0]
        first, last = self.name(p, style, tags)
        attrs: dict[str, Any] = {}
        if first:
            attrs["first_name"] = first
        if last:
            attrs["last_name"] = last
        return attrs

    def _display(self, p: Person) -> str:
        rng = self.rng
        if p.western:
            return rng.choice([p.given, f"{p.given} {p.family}", *p.nicknames])
        options = [p.given, p.family + p.given, rng.choice(p.nicknames)]
        if p.english:
            options += [f"{p.english} {p.family}", p.english, f"{p.english} {p.roman_family[0]}"]
        name = rng.choice(options)
        if rng.random() < 0.15:
            name += rng.choice(["🌸", "✨", "🐱", " ^_^", "☀️"])
        return name

    def crm(self, p: Person, at: datetime, duplicate: bool = False) -> None:
        rng = self.rng
        tags: list[str] = ["crm_duplicate"] if duplicate else []
        attrs = self._named(p, [("native", 85), ("roman", 10), ("english", 5)], tags)
        if rng.random() < (0.3 if duplicate else 0.6):
            attrs["birth_date"] = self.birth_text(p, tags)
        if rng.random() < 0.7:
            attrs["gender"] = self.gender_text(p, "crm")
        if rng.random() < (0.3 if duplicate else 0.7):
            attrs.update(self.address(p.hh, tags))
        phone = self.phone_of(p, at, tags)
        email = self.email_of(p, tags) if rng.random() < (0.35 if duplicate else 0.65) else None
        crm_id = f"C{rng.randint(1000000, 9999999)}"
        self.emit(
            p,
            "crm",
            at,
            [
                ("crm_id", crm_id),
                ("phone", phone and self.phone_text(phone, tags)),
                ("email", email and self.email_text(email, tags)),
            ],
            attrs,
            tags,
        )

    def eshop(
        self, p: Person, at: datetime, account: str, email: str | None, tags: list[str]
    ) -> None:
        rng = self.rng
        attrs = self._named(p, [("native", 70), ("roman", 15), ("english", 15)], tags)
        attrs.update(self.address(p.hh, tags))
        if rng.random() < 0.35:
            attrs["birth_date"] = self.birth_text(p, tags)
        if rng.random() < 0.4:
            attrs["gender"] = self.gender_text(p, "eshop")
        phone = self.phone_of(p, at, tags, landline_ok=False) if rng.random() < 0.9 else None
        self.emit(
            p,
            "eshop",
            at,
            [
                ("user_id", account),
                ("email", email and self.email_text(email, tags, signup=True)),
                ("phone", phone and self.phone_text(phone, tags)),
            ],
            attrs,
            tags,
        )

    def web(
        self, p: Person, at: datetime, account: str | None, email: str | None, tags: list[str]
    ) -> None:
        rng = self.rng
        device = rng.choice(p.devices)
        if p.hh.family_pc and rng.random() < 0.4:
            device = p.hh.family_pc
            tags.append("family_computer")
        self.emit(
            p,
            "web",
            at,
            [
                ("anonymous_id", device),
                ("user_id", account),
                ("email", email and self.email_text(email, tags)),
            ],
            {},
            tags,
        )

    def _records(self) -> None:
        for p in self.people:
            before = len(self.records)
            self._channels(p)
            if len(self.records) == before:  # everybody in the data set left some trace
                tags: list[str] = []
                email = self.email_of(p, tags)
                if email:
                    self.emit(
                        p,
                        "newsletter",
                        self._when(),
                        [("email", self.email_text(email, tags, signup=True))],
                        {},
                        tags,
                    )
                else:
                    self._line(p, self._when())
        self.rng.shuffle(self.records)
        self.records.sort(key=lambda r: r.body["observed_at"])

    def _line(self, p: Person, at: datetime) -> None:
        rng = self.rng
        tags: list[str] = []
        line_id = "U" + self._hex(32)
        attrs: dict[str, Any] = {"display_name": self._display(p)}
        idents: list[tuple[str, str | None]] = [("line_id", line_id)]
        if rng.random() < 0.5:
            phone = self.phone_of(p, at, tags, landline_ok=False)
            idents.append(("phone", phone and self.phone_text(phone, tags)))
            if rng.random() < 0.5:
                attrs.update(self._named(p, [("native", 90), ("english", 10)], tags))
                if rng.random() < 0.6:
                    attrs["birth_date"] = self.birth_text(p, tags)
        elif rng.random() < 0.2:
            email = self.email_of(p, tags)
            idents.append(("email", email and self.email_text(email, tags)))
        if len([i for i in idents if i[1]]) == 1:
            tags.append("chat_only")
        self.emit(p, "line", at, idents, attrs, tags)
        # a second conversation later from the same LINE account (bound or not)
        if rng.random() < 0.3:
            self.emit(
                p,
                "line",
                self._when(at),
                [("line_id", line_id)],
                {"display_name": self._display(p)},
                ["chat_only", *sorted(p.tags)],
            )

    def _channels(self, p: Person) -> None:
        rng = self.rng
        adult = not p.teen
        # CRM
        if adult and rng.random() < 0.40:
            at = self._when()
            self.crm(p, at)
            if rng.random() < 0.08:
                self.crm(p, self._when(at), duplicate=True)
        # e-shop accounts, web visits, orders for family
        accounts: list[tuple[str, str | None]] = []
        if rng.random() < (0.50 if adult else 0.25):
            accounts.append(
                (f"{rng.randint(10000000, 99999999)}", p.emails[0] if p.emails else None)
            )
            if len(p.emails) > 1 and rng.random() < 0.12 * 3:
                accounts.append((f"{rng.randint(10000000, 99999999)}", p.emails[1]))
            elif rng.random() < 0.04:
                accounts.append((f"{rng.randint(10000000, 99999999)}", p.hh.family_email))
        for n, (account, email) in enumerate(accounts):
            tags: list[str] = ["second_account"] if n else []
            if email == p.hh.family_email and email:
                tags.append("family_email")
            at = self._when()
            self.eshop(p, at, account, email, tags)
            for _ in range(rng.choice([0, 1, 1, 2])):
                self.web(p, self._when(at), account, None, ["second_account"] if n else [])
            others = [m for m in p.hh.members if m is not p and not m.teen]
            if n == 0 and others and rng.random() < 0.08:
                self._buys_for(p, rng.choice(others), account, email)
            partner = p.partner
            if n == 0 and partner is not None and rng.random() < 0.04:
                self._shared_account(partner, p, account, email)
        # LINE / WhatsApp / Messenger
        if rng.random() < (0.45 if adult else 0.60):
            self._line(p, self._when())
        if p.mobile and rng.random() < (0.5 if p.western else 0.05):
            tags = []
            at = self._when()
            number = self.phone_of(p, at, tags, landline_ok=False) or p.mobile
            idents: list[tuple[str, str | None]] = [("whatsapp_id", "+886" + number[1:])]
            if rng.random() < 0.1:
                email = self.email_of(p, tags)
                idents.append(("email", email and self.email_text(email, tags)))
            if len(idents) == 1:
                tags.append("chat_only")
            self.emit(p, "whatsapp", at, idents, {"display_name": self._display(p)}, tags)
        if adult and rng.random() < 0.15:
            tags = []
            at = self._when()
            idents = [("messenger_id", str(rng.randint(10**15, 10**16 - 1)))]
            attrs: dict[str, Any] = {"display_name": self._display(p)}
            if rng.random() < 0.2:
                email = self.email_of(p, tags)
                idents.append(("email", email and self.email_text(email, tags)))
            if rng.random() < 0.25:
                phone = self.phone_of(p, at, tags)
                idents.append(("phone", phone and self.phone_text(phone, tags)))
            if len([i for i in idents if i[1]]) == 1:
                tags.append("chat_only")
            self.emit(p, "messenger", at, idents, attrs, tags)
        # loyalty enrolment and POS sales
        if rng.random() < (0.50 if adult else 0.15):
            self._loyalty(p)
        if rng.random() < 0.20:
            self._walk_in(p)
        # warranty, bookings, newsletter
        if adult and rng.random() < 0.18:
            self._warranty(p)
        if adult and rng.random() < 0.18:
            self._booking(p)
        if rng.random() < 0.30:
            tags = []
            email = p.hh.family_email if p.hh.family_email and rng.random() < 0.3 else None
            if email:
                tags.append("family_email")
            else:
                email = self.email_of(p, tags)
            if email:
                at = self._when()
                attrs = {}
                if rng.random() < 0.4:
                    attrs = {"first_name": p.english or p.given}
                self.emit(
                    p,
                    "newsletter",
                    at,
                    [("email", self.email_text(email, tags, signup=True))],
                    attrs,
                    tags,
                )
                if rng.random() < 0.3:  # clicked through from a mail: cookie + address
                    self.web(p, self._when(at), None, email, [])

    def _buys_for(self, buyer: Person, recipient: Person, account: str, email: str | None) -> None:
        """An order under the buyer's account shipped to a family member (truth: the buyer)."""
        tags = ["buys_for_family"]
        at = self._when()
        attrs = self._named(recipient, [("native", 90), ("roman", 10)], tags)
        attrs.update(self.address(recipient.hh, tags))
        phone = self.phone_of(recipient, at, tags, landline_ok=False)
        self.emit(
            buyer,
            "eshop",
            at,
            [
                ("user_id", account),
                ("email", email and self.email_text(email, tags)),
                ("phone", phone and self.phone_text(phone, tags)),
            ],
            attrs,
            tags,
        )

    def _shared_account(
        self, partner: Person, holder: Person, account: str, email: str | None
    ) -> None:
        """The partner ordering under the holder's login (truth: the partner)."""
        rng = self.rng
        for _ in range(rng.choice([1, 2])):
            tags = ["shared_account"]
            at = self._when()
            attrs = self._named(partner, [("native", 85), ("roman", 15)], tags)
            attrs.update(self.address(partner.hh, tags))
            phone = self.phone_of(partner, at, tags, landline_ok=False)
            self.emit(
                partner,
                "eshop",
                at,
                [
                    ("user_id", account),
                    ("email", email and self.email_text(email, tags)),
                    ("phone", phone and self.phone_text(phone, tags)),
                ],
                attrs,
                tags,
            )
            if rng.random() < 0.5:
                self.web(partner, self._when(at), account, None, ["shared_account"])

    def _loyalty(self, p: Person) -> None:
        rng = self.rng
        card = f"{rng.randint(10**9, 10**10 - 1)}"
        tags: list[str] = []
        at = self._when()
        attrs = self._named(p, [("native", 90), ("roman", 5), ("english", 5)], tags)
        if rng.random() < 0.85:
            attrs["birth_date"] = self.birth_text(p, tags)
        if rng.random() < 0.8:
            attrs["gender"] = self.gender_text(p, "loyalty")
        if rng.random() < 0.4:
            attrs.update(self.address(p.hh, tags))
        phone = self.phone_of(p, at, tags)
        email = self.email_of(p, tags) if rng.random() < 0.5 else None
        printed = rng.choice([card, f"{card[:4]} {card[4:8]} {card[8:]}", f"{card[:5]}-{card[5:]}"])
        self.emit(
            p,
            "loyalty",
            at,
            [
                ("loyalty_id", printed),
                ("phone", phone and self.phone_text(phone, tags)),
                ("email", email and self.email_text(email, tags)),
            ],
            attrs,
            tags,
        )
        sales = rng.choice([1, 1, 1, 2, 3])
        for _ in range(sales):
            self._pos_sale(p, p, card, phone, at)
        partner = p.partner
        if partner is not None and rng.random() < 0.05:
            for _ in range(rng.choice([1, 2])):
                self._pos_sale(partner, p, card, phone, at, shared=True)

    def _pos_sale(
        self,
        shopper: Person,
        holder: Person,
        card: str,
        holder_phone: str | None,
        after: datetime,
        shared: bool = False,
    ) -> None:
        rng = self.rng
        tags = ["shared_loyalty"] if shared else []
        at = self._when(after)
        store = rng.choice(self.stores)
        attrs: dict[str, Any] = {"store": store.name}
        if rng.random() < 0.7 or not holder_phone:
            idents: list[tuple[str, str | None]] = [("loyalty_id", card)]
            if shared and rng.random() < 0.3:
                phone = self.phone_of(shopper, at, tags, landline_ok=False)
                idents.append(("phone", phone and self.phone_text(phone, tags)))
        else:
            tags.append("phone_lookup")
            idents = [("phone", self.phone_text(holder_phone, tags))]
        if rng.random() < 0.2:
            attrs["last_name"] = shopper.family
        self.emit(shopper, "pos", at, idents, attrs, tags)

    def _walk_in(self, p: Person) -> None:
        """A sale without a card where the clerk typed contact details for the invoice."""
        rng = self.rng
        tags: list[str] = []
        at = self._when()
        store = rng.choice(self.stores)
        r = rng.random()
        idents: list[tuple[str, str | None]]
        if r < 0.40:
            value = rng.choice(PLACEHOLDER_PHONES)
            self.shared_category[norm_phone(value)] = "placeholder"
            idents = [("phone", value)]
            tags.append("walkin_placeholder")
        elif r < 0.65:
            idents = [("phone", self.phone_text(store.phone, tags))]
            tags.append("walkin_store_phone")
        else:
            phone = self.phone_of(p, at, tags, landline_ok=False)
            idents = [("phone", phone and self.phone_text(phone, tags))]
            tags.append("walkin_own_phone")
        if rng.random() < 0.5:
            value = rng.choice(PLACEHOLDER_EMAILS)
            self.shared_category[norm_email(value)] = "placeholder"
            idents.append(("email", value))
        attrs: dict[str, Any] = {"store": store.name, **self.titled(p, tags)}
        self.emit(p, "pos", at, idents, attrs, tags)

    def titled(self, p: Person, tags: list[str]) -> dict[str, Any]:
        """The name a clerk types for a walk-in or a phone booking: a surname and a title."""
        r = self.rng.random()
        if p.western:
            return {"last_name": p.family}
        tags.append("title_as_name")
        title = "先生" if p.gender == "M" else "小姐"
        if r < 0.5:
            return {"last_name": p.family, "first_name": title}
        if r < 0.8:
            return {"last_name": p.family, "gender": title}
        return {"first_name": p.family + title}

    def _warranty(self, p: Person) -> None:
        rng = self.rng
        tags: list[str] = []
        at = self._when()
        attrs = self._named(p, [("native", 70), ("roman", 20), ("english", 10)], tags)
        attrs.update(self.address(p.hh, tags))
        attrs["product_serial"] = f"SN{self._hex(10).upper()}"
        if rng.random() < 0.2:
            attrs["birth_date"] = self.birth_text(p, tags)
        others = [m for m in p.hh.members if m is not p and m.emails and not m.teen]
        r = rng.random()
        if others and r < 0.10:
            email: str | None = rng.choice(others).emails[0]
            tags.append("registered_by_family")
        elif p.hh.family_email and r < 0.25:
            email = p.hh.family_email
            tags.append("family_email")
        else:
            email = self.email_of(p, tags)
        phone = self.phone_of(p, at, tags)
        self.emit(
            p,
            "warranty",
            at,
            [
                ("email", email and self.email_text(email, tags)),
                ("phone", phone and self.phone_text(phone, tags)),
            ],
            attrs,
            tags,
        )

    def _booking(self, p: Person) -> None:
        rng = self.rng
        tags: list[str] = []
        at = self._when()
        if rng.random() < 0.3 and not p.western:
            attrs: dict[str, Any] = self.titled(p, tags)
        else:
            attrs = self._named(p, [("native", 80), ("english", 20)], tags)
        attrs["service"] = rng.choice(["repair", "fitting", "consultation", "pickup"])
        phone = self.phone_of(p, at, tags)
        email = self.email_of(p, tags) if rng.random() < 0.4 else None
        self.emit(
            p,
            "booking",
            at,
            [
                ("phone", phone and self.phone_text(phone, tags)),
                ("email", email and self.email_text(email, tags)),
            ],
            attrs,
            tags,
        )


def _letter_typo(rng: random.Random, word: str) -> str:
    """Drop, double or transpose one letter."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice("ddt")
    if op == "d":
        return word[:i] + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


# --------------------------------------------------------------------------- our normaliser


def norm_phone(raw: str) -> str:
    """A phone key: E.164 digits with the country code (national numbers read as Taiwan's)."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, "TW")
        return "phone:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        digits = "".join(c for c in text if c.isdigit())
        return "phone:" + digits


def norm_email(raw: str) -> str:
    """An e-mail key: trimmed, lower-cased; gmail without dots and +tags."""
    local, _, domain = raw.strip().lower().partition("@")
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.partition("+")[0].replace(".", ""), "gmail.com"
    return f"email:{local}@{domain}"


def keys_of(body: dict[str, Any]) -> list[str]:
    """The normalised identifier keys of a record (WhatsApp ids are phones too)."""
    out: list[str] = []
    for ident in body["identifiers"]:
        kind, value = ident["kind"], ident["value"]
        if kind == "email":
            out.append(norm_email(value))
        elif kind == "phone":
            out.append(norm_phone(value))
        elif kind == "whatsapp_id":
            out += ["whatsapp_id:" + value.strip(), norm_phone(value)]
        elif kind == "loyalty_id":
            out.append("loyalty_id:" + value.upper().replace(" ", "").replace("-", ""))
        elif kind == "anonymous_id":
            out.append("anonymous_id:" + value.strip().lower())
        else:
            out.append(f"{kind}:{value.strip()}")
    return out


class Sets:
    """Union-find over record positions."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def reference(records: Sequence[Record], exclusive: bool) -> dict[str, str]:
    """Connected components through shared keys (only keys of one person when exclusive)."""
    members: dict[str, list[int]] = defaultdict(list)
    owners: dict[str, set[str]] = defaultdict(set)
    for i, rec in enumerate(records):
        for key in set(keys_of(rec.body)):
            members[key].append(i)
            owners[key].add(rec.person)
    sets = Sets(len(records))
    for key, idx in members.items():
        if exclusive and len(owners[key]) > 1:
            continue
        for j in idx[1:]:
            sets.union(idx[0], j)
    return {rec.body["id"]: f"r{sets.find(i)}" for i, rec in enumerate(records)}


# --------------------------------------------------------------------------- the server


@dataclass
class Server:
    """A `c360 serve` subprocess on a fresh SQLite store."""

    base: str
    key: str
    proc: subprocess.Popen[bytes]
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workdir: Path) -> Server:
    """Make a key and start the API on a fresh store; wait until it is ready."""
    c360 = str(ROOT / ".venv" / "bin" / "c360")
    env = dict(os.environ)
    env.update(
        {
            "C360_STORE_URL": f"sqlite:///{workdir / 'c360.db'}",
            "C360_DEFAULT_REGION": "TW",
            "C360_LOG_LEVEL": "warning",
        }
    )
    out = subprocess.run(
        [c360, "keys", "create", "--name", "blind-world", "--scopes", "ingest,read,steward"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    key = out.stdout.strip().splitlines()[-1].strip()
    port = _free_port()
    log = workdir / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [c360, "serve", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"c360 serve exited with {proc.returncode}: {log.read_text()}")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return Server(base, key, proc, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("c360 serve did not become ready in 60 s")


def _chunks(items: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _post_batch(
    client: httpx.Client,
    bodies: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    refused: list[dict[str, str]],
) -> None:
    """Post a batch; on 422 drop the identifiers the API refused (as an integration must,
    the batch being validated whole) and post the rest again."""
    for _ in range(5):
        resp = client.post("/v1/observations/batch", json={"observations": bodies})
        if resp.status_code == 200:
            return
        if resp.status_code != 422:
            errors.append(
                {
                    "call": "observations/batch",
                    "status": resp.status_code,
                    "first_id": bodies[0]["id"],
                    "body": resp.text[:2000],
                }
            )
            return
        drop: dict[int, set[int]] = defaultdict(set)
        whole: set[int] = set()
        for err in resp.json().get("errors", []):
            loc = err.get("loc", [])
            if len(loc) >= 4 and loc[0] == "observations" and loc[2] == "identifiers":
                drop[int(loc[1])].add(int(loc[3]))
            elif len(loc) >= 2 and loc[0] == "observations":
                whole.add(int(loc[1]))
        if not drop and not whole:
            errors.append(
                {
                    "call": "observations/batch",
                    "status": 422,
                    "first_id": bodies[0]["id"],
                    "body": resp.text[:2000],
                }
            )
            return
        kept: list[dict[str, Any]] = []
        for i, body in enumerate(bodies):
            if i in whole:
                refused.append({"id": body["id"], "kind": "*", "value": "*whole record*"})
                continue
            if i in drop:
                idents = []
                for j, ident in enumerate(body["identifiers"]):
                    if j in drop[i]:
                        refused.append(
                            {"id": body["id"], "kind": ident["kind"], "value": ident["value"]}
                        )
                    else:
                        idents.append(ident)
                if not idents:
                    continue
                body = {**body, "identifiers": idents}
            kept.append(body)
        if not kept:
            return
        bodies = kept
    errors.append({"call": "observations/batch", "status": 422, "note": "gave up after 5 tries"})


def _resolve(
    client: httpx.Client, chunk: list[tuple[int, dict[str, str]]], errors: list[dict[str, Any]]
) -> list[tuple[tuple[int, dict[str, str]], dict[str, Any] | None]]:
    """Resolve identifiers; those the API refuses as invalid answer None."""
    bad: set[int] = set()
    for _ in range(5):
        ask = [c for n, c in enumerate(chunk) if n not in bad]
        resp = client.post("/v1/resolve", json={"identifiers": [c[1] for c in ask]})
        if resp.status_code == 200:
            it = iter(resp.json()["results"])
            return [(c, None if n in bad else next(it)) for n, c in enumerate(chunk)]
        if resp.status_code != 422:
            break
        positions = [n for n in range(len(chunk)) if n not in bad]
        before = len(bad)
        for err in resp.json().get("errors", []):
            loc = err.get("loc", [])
            if len(loc) >= 2 and loc[0] == "identifiers":
                bad.add(positions[int(loc[1])])
        if len(bad) == before:
            break
    errors.append({"call": "resolve", "status": resp.status_code, "body": resp.text[:2000]})
    return [(c, None) for c in chunk]


def run_engine(
    records: Sequence[Record],
    errors: list[dict[str, Any]],
    refused: list[dict[str, str]],
    statuses: dict[str, list[str]],
    engine_keys: dict[str, set[str]],
    key_customer: dict[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, float]]:
    """Stitch every record through the API and read back each record's customer."""
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="blind-world-") as tmp:
        server = start_server(Path(tmp))
        try:
            headers = {"Authorization": f"Bearer {server.key}"}
            with httpx.Client(base_url=server.base, headers=headers, timeout=600) as client:
                t0 = time.monotonic()
                for batch in _chunks(records, 1000):
                    _post_batch(client, [r.body for r in batch], errors, refused)
                timings["ingest_s"] = time.monotonic() - t0
                t0 = time.monotonic()
                flat: list[tuple[int, dict[str, str]]] = [
                    (i, {"kind": ident["kind"], "value": ident["value"]})
                    for i, r in enumerate(records)
                    for ident in r.body["identifiers"]
                ]
                answers: dict[int, list[str]] = defaultdict(list)
                for chunk in _chunks(flat, 1000):
                    for (i, ident), res in _resolve(client, list(chunk), errors):
                        status = res["status"] if res else "refused"
                        statuses[records[i].body["id"]].append(
                            f"{ident['kind']}={ident['value']}:{status}"
                        )
                        if res and res["key"]:
                            mine = keys_of({"identifiers": [ident]})[0]
                            engine_keys[mine].add(res["key"])
                        if res and res["customer_id"]:
                            answers[i].append(res["customer_id"])
                            if key_customer is not None:
                                for mine in keys_of({"identifiers": [ident]}):
                                    key_customer[mine] = res["customer_id"]
                timings["resolve_s"] = time.monotonic() - t0
        finally:
            server.proc.terminate()
            try:
                server.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.proc.kill()
            log = server.log.read_text(errors="replace")
            if "Traceback" in log or " 500 " in log:
                errors.append({"call": "server log", "excerpt": log[-4000:]})
    predicted: dict[str, str] = {}
    for i, r in enumerate(records):
        votes = answers.get(i)
        if votes:
            # most identifiers' customer; ties go to the first identifier's
            counts = Counter(votes)
            best = max(counts.values())
            predicted[r.body["id"]] = next(v for v in votes if counts[v] == best)
    return predicted, timings


# --------------------------------------------------------------------------- analysis


def _snippet(rec: Record) -> dict[str, Any]:
    b = rec.body
    return {
        "id": b["id"],
        "person": rec.person,
        "source": b["source"],
        "identifiers": [f"{i['kind']}={i['value']}" for i in b["identifiers"]],
        "attributes": {
            k: v for k, v in b["attributes"].items() if k not in ("country", "product_serial")
        },
        "tags": rec.tags,
    }


def _cause_of(fragment: Sequence[Record]) -> str | None:
    tags = {t for r in fragment for t in r.tags}
    return next((t for t in SPLIT_PRIORITY if t in tags), None)


def _evidence(rec: Record) -> set[str]:
    a = rec.body["attributes"]
    have = set()
    if a.get("first_name") and a.get("last_name") and a["first_name"] not in ("先生", "小姐"):
        have.add("name")
    if a.get("birth_date"):
        have.add("dob")
    if a.get("street"):
        have.add("street")
    return have


def person_evidence(a: Record, b: Record) -> str:
    """How much person evidence two records hold in common (by field, not value)."""
    both = _evidence(a) & _evidence(b)
    if "name" in both and ("dob" in both or "street" in both):
        return "strong"
    if "name" in both:
        return "name_only"
    return "none"


GENERIC_WHY = [
    "title_as_name",
    "walkin_own_phone",
    "second_account",
    "nickname",
    "translit_variant",
    "name_one_field",
    "name_swapped",
    "name_typo",
    "dob_typo",
    "dob_swap",
    "dob_foreign_format",
    "crm_duplicate",
]


def generic_exclusive(
    records: Sequence[Record], statuses: dict[str, list[str]], examples: int = 3
) -> tuple[set[str], list[dict[str, Any]]]:
    """Values only one person ever used that the engine answers as generic or placeholder,
    grouped by the mess found on the records that carry them."""
    owners: dict[str, set[str]] = defaultdict(set)
    carriers: dict[str, list[Record]] = defaultdict(list)
    judged: dict[str, str] = {}
    for r in records:
        answers = statuses.get(r.body["id"], [])
        for ident, answer in zip(r.body["identifiers"], answers, strict=False):
            key = keys_of({"identifiers": [ident]})[-1]
            owners[key].add(r.person)
            carriers[key].append(r)
            status = answer.rsplit(":", 1)[1]
            if status in ("generic", "placeholder"):
                judged[key] = status
    found = {k for k in judged if len(owners[k]) == 1 and len(carriers[k]) > 1}
    groups: dict[str, dict[str, Any]] = {}
    for key in sorted(found):
        recs = carriers[key]
        tags = {t for r in recs for t in r.tags}
        why = next((t for t in GENERIC_WHY if t in tags), None)
        if why is None:
            firsts = {r.body["attributes"].get("first_name") for r in recs} - {None}
            why = "first names written differently" if len(firsts) > 1 else "no tagged mess"
        entry = groups.setdefault(why, {"values": 0, "records": 0, "examples": []})
        entry["values"] += 1
        entry["records"] += len(recs)
        if len(entry["examples"]) < examples:
            entry["examples"].append(
                {"value": key, "status": judged[key], "records": [_snippet(r) for r in recs[:4]]}
            )
    rows = [{"why": k, **v} for k, v in sorted(groups.items(), key=lambda kv: -kv[1]["values"])]
    return found, rows


def recall_by_path(
    records: Sequence[Record], predicted: dict[str, str], ceiling: dict[str, str]
) -> dict[str, dict[str, float | int]]:
    """True pairs by the evidence joining them, and the share the engine joined."""
    by_person: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_person[r.person].append(r)
    counts: Counter[tuple[str, bool]] = Counter()
    for recs in by_person.values():
        for i, a in enumerate(recs):
            for b in recs[i + 1 :]:
                ia, ib = a.body["id"], b.body["id"]
                kind = (
                    "identifier path (ceiling joins)"
                    if ceiling[ia] == ceiling[ib]
                    else "no identifier path, person evidence " + person_evidence(a, b)
                )
                joined = ia in predicted and predicted.get(ia) == predicted.get(ib)
                counts[(kind, joined)] += 1
    out: dict[str, dict[str, float | int]] = {}
    for kind in sorted({k for k, _ in counts}):
        total = counts[(kind, True)] + counts[(kind, False)]
        out[kind] = {
            "pairs": total,
            "engine_joined": counts[(kind, True)],
            "recall": round(counts[(kind, True)] / total, 4) if total else 1.0,
        }
    return out


def analyse(
    records: Sequence[Record],
    world: World,
    predicted: dict[str, str],
    ceiling: dict[str, str],
    statuses: dict[str, list[str]],
    examples: int = 3,
) -> dict[str, Any]:
    """False-split and false-merge pairs of the engine, grouped by the mess behind them."""
    found, generic_rows = generic_exclusive(records, statuses, examples)
    rkeys = {r.body["id"]: set(keys_of(r.body)) for r in records}
    by_id = {r.body["id"]: r for r in records}
    label = {rid: predicted.get(rid, "single:" + rid) for rid in by_id}
    person_of = {p.pid: p for p in world.people}

    splits: dict[str, dict[str, Any]] = {}
    by_person: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_person[r.person].append(r)
    for recs in by_person.values():
        groups: dict[str, list[Record]] = defaultdict(list)
        for r in recs:
            groups[label[r.body["id"]]].append(r)
        if len(groups) < 2:
            continue
        ordered = sorted(groups.values(), key=lambda g: (-len(g), g[0].body["id"]))
        rank = {r.body["id"]: k for k, g in enumerate(ordered) for r in g}
        for i, a in enumerate(recs):
            for b in recs[i + 1 :]:
                if label[a.body["id"]] == label[b.body["id"]]:
                    continue
                stray, other = (a, b) if rank[a.body["id"]] > rank[b.body["id"]] else (b, a)
                # the mess found in the stray's fragment explains it best, then the other's
                why = (
                    _cause_of(groups[label[stray.body["id"]]])
                    or _cause_of(groups[label[other.body["id"]]])
                    or "untagged"
                )
                entry = splits.setdefault(
                    why,
                    {
                        "pairs": 0,
                        "ceiling_joins": 0,
                        "ceiling_joins_via_generic": 0,
                        "evidence": Counter(),
                        "examples": [],
                    },
                )
                entry["pairs"] += 1
                if ceiling[a.body["id"]] == ceiling[b.body["id"]]:
                    entry["ceiling_joins"] += 1
                    if (rkeys[a.body["id"]] | rkeys[b.body["id"]]) & found:
                        entry["ceiling_joins_via_generic"] += 1
                else:
                    entry["evidence"][person_evidence(a, b)] += 1
                if len(entry["examples"]) < examples:
                    entry["examples"].append({"stray": _snippet(stray), "other": _snippet(other)})

    merges: dict[str, dict[str, Any]] = {}
    clusters: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        if r.body["id"] in predicted:
            clusters[predicted[r.body["id"]]].append(r)
    foreign = ("shared_account", "shared_loyalty", "buys_for_family", "registered_by_family")
    for recs in clusters.values():
        if len({r.person for r in recs}) < 2:
            continue
        pkeys: dict[str, set[str]] = defaultdict(set)
        ptags: dict[str, set[str]] = defaultdict(set)
        for r in recs:
            pkeys[r.person] |= rkeys[r.body["id"]]
            ptags[r.person] |= set(r.tags) & set(foreign)
        for i, a in enumerate(recs):
            for b in recs[i + 1 :]:
                if a.person == b.person:
                    continue
                # a record of either person carrying the other's identifiers bridged them
                near = ptags[a.person] | ptags[b.person]
                cause: str | None = next((t for t in foreign if t in near), None)
                if cause is None:
                    pa, pb = pkeys[a.person], pkeys[b.person]
                    cats = sorted({world.shared_category.get(k, "personal_value") for k in pa & pb})
                    if cats:
                        cause = "shared:" + "+".join(cats)
                    else:
                        x, y = person_of[a.person], person_of[b.person]
                        if "twin" in x.tags and x.hh is y.hh and x.birth == y.birth:
                            cause = "no shared value: twins"
                        elif x.hh is y.hh and x.given == y.given:
                            cause = "no shared value: jr/sr"
                        elif x.hh is y.hh:
                            cause = "no shared value: same household"
                        elif x.family == y.family and x.given == y.given:
                            cause = "no shared value: same name"
                        else:
                            cause = "no shared value: other (bridged by a third person)"
                entry = merges.setdefault(cause, {"pairs": 0, "examples": []})
                entry["pairs"] += 1
                if len(entry["examples"]) < examples:
                    entry["examples"].append({"a": _snippet(a), "b": _snippet(b)})

    def ranked(d: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for cause, e in sorted(d.items(), key=lambda kv: -kv[1]["pairs"]):
            row = {"cause": cause, **e}
            if "evidence" in row:
                row["evidence"] = dict(row["evidence"])
            rows.append(row)
        return rows

    return {
        "recall_by_path": recall_by_path(records, predicted, ceiling),
        "false_splits": ranked(splits),
        "false_merges": ranked(merges),
        "exclusive_values_judged_generic": generic_rows,
    }


# --------------------------------------------------------------------------- report


def _score(s: PairwiseScore) -> dict[str, float | int]:
    return {
        "precision": round(s.precision, 4),
        "recall": round(s.recall, 4),
        "f1": round(s.f1, 4),
        "true_pairs": s.true_pairs,
        "predicted_pairs": s.predicted_pairs,
        "correct_pairs": s.correct_pairs,
    }


def markdown(run: dict[str, Any]) -> str:
    """The run as a markdown report."""
    lines = [
        f"## blind world — {run['people']} people, seed {run['seed']}, {run['records']} records",
        "",
        "| clustering | precision | recall | F1 | predicted pairs |",
        "|---|---|---|---|---|",
    ]
    for name in ("engine", "ceiling", "naive"):
        s = run["scores"][name]
        lines.append(
            f"| {name} | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} "
            f"| {s['predicted_pairs']} |"
        )
    lines += [
        "",
        f"true pairs: {run['scores']['engine']['true_pairs']}; "
        f"ingest {run['timings']['ingest_s']:.1f} s, resolve "
        f"{run['timings']['resolve_s']:.1f} s; server errors: {len(run['server_errors'])}",
        "",
        "### true pairs by what joins them",
        "",
        "| evidence | true pairs | engine joined | recall |",
        "|---|---|---|---|",
        *(
            f"| {k} | {v['pairs']} | {v['engine_joined']} | {v['recall']:.3f} |"
            for k, v in run["analysis"]["recall_by_path"].items()
        ),
        "",
        "### false splits (lost pairs) by cause",
        "",
        "| cause | pairs | ceiling joins | … via a one-person value judged generic "
        "| no identifier path: person evidence strong / name only / none |",
        "|---|---|---|---|---|",
    ]
    for row in run["analysis"]["false_splits"]:
        ev = row["evidence"]
        lines.append(
            f"| {row['cause']} | {row['pairs']} | {row['ceiling_joins']} | "
            f"{row['ceiling_joins_via_generic']} | "
            f"{ev.get('strong', 0)} / {ev.get('name_only', 0)} / {ev.get('none', 0)} |"
        )
    rows = run["analysis"]["false_splits"]
    lost = sum(r["pairs"] for r in rows)
    joined = sum(r["ceiling_joins"] for r in rows)
    strong = sum(r["evidence"].get("strong", 0) for r in rows)
    lines += [
        "",
        f"lost pairs {lost}: {joined} had an identifier path only one person used "
        f"(the ceiling joins them), {strong} had none but both records hold a full name and "
        f"a birth date or street, {lost - joined - strong} had neither.",
        "",
        "### one-person values the engine answers as generic/placeholder",
        "",
        "| mess on the records carrying it | values | records |",
        "|---|---|---|",
    ]
    for row in run["analysis"]["exclusive_values_judged_generic"]:
        lines.append(f"| {row['why']} | {row['values']} | {row['records']} |")
    lines += ["", "### false merges (wrong pairs) by cause", "", "| cause | pairs |", "|---|---|"]
    for row in run["analysis"]["false_merges"]:
        lines.append(f"| {row['cause']} | {row['pairs']} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, stitch through the API, score, analyse, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--dump", type=Path, help="also write the records and truth (JSONL)")
    parser.add_argument(
        "--false-pairs",
        type=Path,
        help="also write the wrong pairs attributed to the link that joined them (JSON)",
    )
    args = parser.parse_args(argv)

    t0 = time.monotonic()
    world = World(args.people, args.seed)
    records = world.records
    gen_s = time.monotonic() - t0
    truth = {r.body["id"]: r.person for r in records}
    ceiling = reference(records, exclusive=True)
    naive = reference(records, exclusive=False)
    errors: list[dict[str, Any]] = []
    refused: list[dict[str, str]] = []
    statuses: dict[str, list[str]] = defaultdict(list)
    engine_keys: dict[str, set[str]] = defaultdict(set)
    key_customer: dict[str, str] = {}
    predicted, timings = run_engine(records, errors, refused, statuses, engine_keys, key_customer)
    # does our normaliser (used by the ceiling and naive) agree with the engine's keys?
    coarser: dict[str, set[str]] = defaultdict(set)
    for mine, theirs in engine_keys.items():
        for key in theirs:
            coarser[key].add(mine)
    normaliser_check = {
        "our_keys_split_by_engine": sum(1 for v in engine_keys.values() if len(v) > 1),
        "engine_keys_split_by_us": sum(1 for v in coarser.values() if len(v) > 1),
        "examples": [
            {"ours": k, "engine": sorted(v)} for k, v in engine_keys.items() if len(v) > 1
        ][:5]
        + [{"engine": k, "ours": sorted(v)} for k, v in coarser.items() if len(v) > 1][:5],
    }
    timings["generate_s"] = gen_s
    if args.dump:
        with args.dump.open("w") as fh:
            for r in records:
                rid = r.body["id"]
                fh.write(
                    json.dumps(
                        {
                            "person": r.person,
                            "customer": predicted.get(rid),
                            "ceiling": ceiling[rid],
                            "tags": r.tags,
                            "resolved": statuses[rid],
                            "body": r.body,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    status_counts: Counter[str] = Counter(
        s.split("=", 1)[0] + ":" + s.rsplit(":", 1)[1] for v in statuses.values() for s in v
    )
    tag_counts: Counter[str] = Counter(t for r in records for t in r.tags)
    run: dict[str, Any] = {
        "benchmark": "blind_world",
        "people": args.people,
        "seed": args.seed,
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": platform.platform(),
        "records": len(records),
        "persons_with_records": len(set(truth.values())),
        "households": len(world.households),
        "records_by_source": dict(Counter(r.body["source"] for r in records).most_common()),
        "records_by_tag": dict(tag_counts.most_common()),
        "records_without_customer": sum(1 for r in truth if r not in predicted),
        "scores": {
            "engine": _score(pairwise_score(truth, predicted)),
            "ceiling": _score(pairwise_score(truth, ceiling)),
            "naive": _score(pairwise_score(truth, naive)),
        },
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "server_errors": errors,
        "resolve_status_by_kind": dict(sorted(status_counts.items())),
        "normaliser_check": normaliser_check,
        "identifiers_refused": len(refused),
        "identifiers_refused_by_value": dict(
            Counter(f"{r['kind']}={r['value']}" for r in refused).most_common(15)
        ),
        "records_refused_whole": len(
            {r["id"] for r in refused}
            - {r.body["id"] for r in records if r.body["id"] in predicted}
        ),
        "analysis": analyse(records, world, predicted, ceiling, statuses),
    }
    out: dict[str, Any] = {"benchmark": "blind_world", "runs": {}}
    if args.output.exists():
        with contextlib.suppress(json.JSONDecodeError):
            out = json.loads(args.output.read_text())
    out.setdefault("runs", {})[f"people={args.people},seed={args.seed}"] = run
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(markdown(run))
    if args.false_pairs:
        report = attribute(records, predicted, key_customer, keys_of)
        args.false_pairs.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        print("\n### wrong pairs by the link that joined them\n\n" + attribution_markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
