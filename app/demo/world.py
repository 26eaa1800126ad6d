"""The demo population: people, households, shops and the identifiers they own."""

from __future__ import annotations

import gc
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from phonenumbers.phonemetadata import PhoneMetadata

SUPPORTED_REGIONS = ("TW",)

# Rates of the population (fractions of people unless named otherwise).
HOUSEHOLD_START_RATE = 0.157  # chance a new person starts a household: ~35% live in one
HOUSEHOLD_SIZES = (2, 3, 4, 5)
HOUSEHOLD_SIZE_WEIGHTS = (45, 30, 17, 8)
FAMILY_MAILBOX_RATE = 0.30  # of households
FAMILY_COMPUTER_RATE = 0.35  # of households
OWN_LANDLINE_RATE = 0.08  # of people living alone
FOREIGN_RATE = 0.04
NO_MOBILE_RATE = 0.10  # of local people
FOREIGN_MOBILE_RATE = 0.65  # of foreigners; the rest use a Taiwanese mobile
SECOND_EMAIL_RATE = 0.30
CRM_RATE = 0.55
DUPLICATE_CRM_RATE = 0.03  # of people with a CRM id
LOYALTY_RATE = 0.45
LINE_RATE = 0.72
LINE_RATE_FOREIGN = 0.25
WHATSAPP_RATE = 0.12
WHATSAPP_RATE_FOREIGN = 0.80
MESSENGER_RATE = 0.35
ESHOP_RATE = 0.50
RELUCTANT_RATE = 0.05  # people who type placeholders instead of their e-mail or phone
ENGLISH_NAME_RATE = 0.45  # of local people
MARKETING_OPT_IN_RATE = 0.60

PLACEHOLDER_EMAILS = ("test@test.com", "none@none.com", "no@email.com", "na@na.com")
PLACEHOLDER_PHONES = ("0000000000", "0912345678", "1234567890", "0999999999")

_SEQUENCES = (
    "0123456", "1234567", "2345678", "3456789", "9876543", "8765432", "7654321", "6543210"
)  # fmt: skip
_PLACEHOLDER_LIKE = re.compile(r"^(\d)\1+$|^0?9?(\d)\2{6,}$|" + "|".join(_SEQUENCES))
_COUNTRY_REGION = {886: "TW", 1: "US", 81: "JP", 852: "HK", 60: "MY"}
_VALID_CACHE: dict[tuple[int, bool], re.Pattern[str]] = {}


def _is_valid(country: int, national: str, mobile: bool) -> bool:
    """Whether phonenumbers' metadata accepts the national number as mobile or fixed line."""
    pattern = _VALID_CACHE.get((country, mobile))
    if pattern is None:
        meta = PhoneMetadata.metadata_for_region(_COUNTRY_REGION[country])
        desc = None if meta is None else (meta.mobile if mobile else meta.fixed_line)
        if desc is None or not desc.national_number_pattern:
            raise LookupError(f"phonenumbers has no pattern for +{country}")
        pattern = re.compile(str(desc.national_number_pattern))
        _VALID_CACHE[(country, mobile)] = pattern
    return pattern.fullmatch(national) is not None


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number: country calling code and national significant number."""

    country: int
    national: str
    mobile: bool

    @property
    def e164(self) -> str:
        """The number in E.164, such as ``+886912345678``."""
        return f"+{self.country}{self.national}"


@dataclass(frozen=True, slots=True)
class City:
    """A Taiwanese city with its names and landline area code."""

    key: str
    zh: str
    en: str
    area: str
    local_prefixes: tuple[str, ...]
    local_length: int


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's names: Han characters, romanised, and an English given name."""

    family_han: str | None
    given_han: str | None
    family_roman: str
    given_roman: str
    english: str | None


@dataclass(frozen=True, slots=True)
class Person:
    """One real person and every identifier they own."""

    person_id: str
    name: PersonName
    gender: str
    birth_date: date
    city: City
    language: str
    foreign: bool
    reluctant: bool
    marketing_opt_in: bool
    emails: tuple[str, ...]
    mobile: Phone | None
    crm_ids: tuple[str, ...]
    loyalty_id: str | None
    line_id: str | None
    whatsapp: bool
    messenger_id: str | None
    user_id: str | None
    anonymous_ids: tuple[str, ...]
    household_id: str | None
    own_landline: Phone | None

    @property
    def whatsapp_id(self) -> Phone | None:
        """The WhatsApp id, which is the person's mobile."""
        return self.mobile if self.whatsapp else None


@dataclass(frozen=True, slots=True)
class Household:
    """People who share a landline, maybe a family mailbox and a family computer."""

    household_id: str
    member_ids: tuple[str, ...]
    city: City
    landline: Phone
    family_email: str | None
    family_anonymous_id: str | None


@dataclass(frozen=True, slots=True)
class Shop:
    """A shop whose front-desk phone is typed for walk-in buyers."""

    shop_id: str
    name: str
    city: City
    phone: Phone


@dataclass(frozen=True, slots=True)
class World:
    """The whole population of a demo data set."""

    region: str
    people: tuple[Person, ...]
    households: tuple[Household, ...]
    shops: tuple[Shop, ...]

    def household_of(self, person: Person) -> Household | None:
        """The household a person lives in, if any."""
        if person.household_id is None:
            return None
        return self.households[int(person.household_id[1:]) - 1]

    def shared_values(self) -> dict[str, set[str]]:
        """Values several people use, by what they are: landlines, mailboxes, computers, shops."""
        return {
            "landline": {h.landline.e164 for h in self.households},
            "family_email": {h.family_email for h in self.households if h.family_email},
            "family_computer": {
                h.family_anonymous_id for h in self.households if h.family_anonymous_id
            },
            "shop_phone": {s.phone.e164 for s in self.shops},
            "placeholder_email": set(PLACEHOLDER_EMAILS),
            "placeholder_phone": set(PLACEHOLDER_PHONES),
        }


CITIES = (
    City("new_taipei", "新北市", "New Taipei City", "2", ("2", "8"), 8),
    City("taipei", "台北市", "Taipei City", "2", ("2", "27", "25"), 8),
    City("taichung", "台中市", "Taichung City", "4", ("22", "23", "24"), 8),
    City("kaohsiung", "高雄市", "Kaohsiung City", "7", ("3", "5", "7"), 7),
    City("taoyuan", "桃園市", "Taoyuan City", "3", ("3", "4"), 7),
    City("tainan", "台南市", "Tainan City", "6", ("2", "5"), 7),
    City("hsinchu", "新竹市", "Hsinchu City", "3", ("5",), 7),
    City("changhua", "彰化縣", "Changhua County", "4", ("7", "8"), 7),
    City("pingtung", "屏東縣", "Pingtung County", "8", ("7",), 7),
    City("yilan", "宜蘭縣", "Yilan County", "3", ("9",), 7),
    City("keelung", "基隆市", "Keelung City", "2", ("24",), 8),
    City("chiayi", "嘉義市", "Chiayi City", "5", ("2",), 7),
    City("yunlin", "雲林縣", "Yunlin County", "5", ("5", "6"), 7),
    City("hualien", "花蓮縣", "Hualien County", "3", ("8",), 7),
)
_CITY_CUM = tuple(accumulate((17, 11, 12, 12, 10, 8, 4, 5, 3, 2, 2, 2, 3, 1)))


def _words(text: str) -> tuple[str, ...]:
    """A table written as whitespace-separated words."""
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """A table written as ``a:b`` words."""
    return tuple((a, b) for a, _, b in (w.partition(":") for w in text.split()))


def _triples(text: str) -> tuple[tuple[str, str, int], ...]:
    """A table written as ``a:b:weight`` words."""
    rows = (w.split(":") for w in text.split())
    return tuple((a, b, int(n)) for a, b, n in rows)


def _phrases(text: str) -> tuple[tuple[str, str], ...]:
    """A table written as ``a:b`` items separated by commas (``b`` may hold spaces)."""
    return tuple((a.strip(), b.strip()) for a, _, b in (w.partition(":") for w in text.split(",")))


# Family names: Han, romanised, weight (share of the population, roughly).
FAMILY_NAMES = _triples("""
    陳:Chen:11 林:Lin:8 黃:Huang:6 張:Chang:5 李:Lee:5 王:Wang:4 吳:Wu:4 劉:Liu:3 蔡:Tsai:3
    楊:Yang:3 許:Hsu:2 鄭:Cheng:2 謝:Hsieh:2 郭:Kuo:2 洪:Hung:2 邱:Chiu:2 曾:Tseng:2
    廖:Liao:2 賴:Lai:2 周:Chou:2 徐:Hsu:2 蘇:Su:2 葉:Yeh:2 莊:Chuang:1 呂:Lu:1 江:Chiang:1
    何:Ho:1 蕭:Hsiao:1 羅:Lo:1 高:Kao:1 簡:Chien:1 游:Yu:1 詹:Chan:1 沈:Shen:1 彭:Peng:1
""")
_FAMILY_CUM = tuple(accumulate(w for _, _, w in FAMILY_NAMES))
GIVEN_CHARS = {
    "F": _pairs("""
        婷:Ting 怡:Yi 雅:Ya 淑:Shu 芬:Fen 美:Mei 玲:Ling 欣:Hsin 儀:Yi 詩:Shih 涵:Han 佩:Pei
        慧:Hui 筱:Hsiao 萱:Hsuan 佳:Chia 穎:Ying 如:Ju 君:Chun 靜:Ching 珊:Shan 琪:Chi 宜:Yi
        蓉:Jung 瑜:Yu 秀:Hsiu 麗:Li
    """),
    "M": _pairs("""
        偉:Wei 志:Chih 明:Ming 家:Chia 豪:Hao 宗:Tsung 翰:Han 俊:Chun 傑:Chieh 建:Chien
        宏:Hung 承:Cheng 恩:En 柏:Po 瑋:Wei 冠:Kuan 廷:Ting 育:Yu 國:Kuo 榮:Jung 文:Wen
        凱:Kai 哲:Che 彥:Yen 宇:Yu 信:Hsin
    """),
}
ENGLISH_NAMES = {
    "F": _words("""
        Amy Vivian Grace Cindy Jessica Tina Irene Iris Joyce Peggy Winnie Kelly Emily Annie
        Sandy Wendy Judy Claire Eva Rita Cherry Ivy Sophia Zoe Angela
    """),
    "M": _words("""
        Kevin Jason Eric Jerry Allen Ray Vincent Alex Tony Andy Jack Leo Sam Ken Steven Frank
        Roger Johnny Michael David Peter Ben Chris Henry Louis
    """),
}
WESTERN_FAMILY = _words(
    "Smith Johnson Brown Miller Davis Wilson Taylor Anderson Clark Walker Young Scott Martin Moore"
)
JAPANESE_FAMILY = _pairs("田中:Tanaka 佐藤:Sato 鈴木:Suzuki 高橋:Takahashi")
JAPANESE_GIVEN = {
    "F": _pairs("由紀:Yuki 美咲:Misaki 陽子:Yoko 愛:Ai"),
    "M": _pairs("健太:Kenta 翔太:Shota 大輔:Daisuke 拓也:Takuya"),
}
CANTONESE_FAMILY = _pairs("陳:Chan 黃:Wong 李:Lee 張:Cheung 林:Lam")
CANTONESE_GIVEN = {
    "F": _phrases("詠欣:Wing Yan, 美玲:Mei Ling, 嘉慧:Ka Wai, 曉彤:Hiu Tung"),
    "M": _phrases("家明:Ka Ming, 志傑:Chi Kit, 俊輝:Chun Fai, 偉倫:Wai Lun"),
}
MALAYSIAN_FAMILY = _pairs("陳:Tan 林:Lim 李:Lee 王:Ong 黃:Wong")

# Mail providers with their weights; company domains are made up.
FREE_MAIL = tuple(
    (d, int(w))
    for d, w in _pairs(
        "gmail.com:52 yahoo.com.tw:15 hotmail.com:8 outlook.com:7 icloud.com:6 msa.hinet.net:2"
    )
)
COMPANY_DOMAINS = _words("""
    formosa-trading.com.tw hsinchu-semi.com.tw taipeilife.com.tw ntu.edu.tw pinewood-design.com
    kaohsiung-port.com.tw greenleaf-tech.com sunmoon-travel.com.tw
""")
COMPANY_MAIL_RATE = 0.10  # of first e-mails; second e-mails are company mail 40% of the time
_MAIL_DOMAINS = tuple(d for d, _ in FREE_MAIL)
_MAIL_CUM = tuple(accumulate(w for _, w in FREE_MAIL))
NICKNAMES = _words("kitty sunny happy bear panda mochi lucky candy tiger bubble")

US_AREAS = ("212", "310", "415", "646", "206", "617", "312", "408", "510", "718")
FOREIGN_ORIGINS = ("US", "JP", "HK", "MY")
# Shops: name and city key.
SHOPS = _pairs("""
    信義旗艦店:taipei 南西門市:taipei 板橋門市:new_taipei 台中公益店:taichung 高雄巨蛋店:kaohsiung
    台南西門店:tainan 桃園站前店:taoyuan 新竹巨城店:hsinchu 中壢門市:taoyuan 天母門市:taipei
    彰化門市:changhua 嘉義門市:chiayi
""")


class _Ids:
    """Draws identifier values that are unique across the world."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()

    def fresh(self, make: str, digits: int, first_nonzero: bool = True) -> str:
        """A new value: ``make`` prefix followed by random digits."""
        low = 10 ** (digits - 1) if first_nonzero else 0
        while True:
            value = f"{make}{low + _below(self.rng, 10**digits - low):0{digits}d}"
            if value not in self.seen:
                self.seen.add(value)
                return value

    def claim(self, value: str) -> bool:
        """Reserve a value; False when it is taken."""
        if value in self.seen:
            return False
        self.seen.add(value)
        return True


def email_key(email: str) -> str:
    """The mailbox an address reaches under Gmail's dot rule, for uniqueness."""
    local, _, domain = email.partition("@")
    return local.replace(".", "") + "@gmail.com" if domain == "gmail.com" else email


def _below(rng: random.Random, n: int) -> int:
    """A fast integer in ``[0, n)`` (n well below 2**53)."""
    return int(rng.random() * n)


def _pick_cum(rng: random.Random, cum: tuple[int, ...]) -> int:
    """An index drawn by cumulative weights."""
    x = rng.random() * cum[-1]
    for i, c in enumerate(cum):
        if x < c:
            return i
    return len(cum) - 1


class _WorldBuilder:
    """Builds a world step by step from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"contact360-demo-world:{seed}")
        self.ids = _Ids(self.rng)
        self.people: list[Person] = []
        self.households: list[Household] = []

    def phone(self, country: int, national: str, mobile: bool) -> Phone | None:
        """A phone if it is valid, unique and not placeholder-like, else None."""
        digits = ("0" + national) if country == 886 else national
        if _PLACEHOLDER_LIKE.search(digits):
            return None
        if not _is_valid(country, national, mobile):
            return None
        if not self.ids.claim(f"+{country}{national}"):
            return None
        return Phone(country, national, mobile)

    def tw_mobile(self) -> Phone:
        """A new Taiwanese mobile, 09xx-xxx-xxx."""
        r = self.rng
        while True:
            found = self.phone(886, f"9{_below(r, 9)}{_below(r, 10**7):07d}", True)
            if found:
                return found

    def landline(self, city: City) -> Phone:
        """A new landline in the city's area code."""
        r = self.rng
        for _ in range(200):
            prefix = r.choice(city.local_prefixes)
            rest = city.local_length - len(prefix)
            local = prefix + f"{_below(r, 10**rest):0{rest}d}"
            found = self.phone(886, city.area + local, False)
            if found:
                return found
        raise RuntimeError(f"no valid landline for {city.key}")  # pragma: no cover

    def foreign_mobile(self, origin: str) -> Phone:
        """A new mobile of a foreign customer's home country."""
        r = self.rng
        while True:
            if origin == "US":
                exchange = r.randrange(200, 1000)
                national = f"{r.choice(US_AREAS)}{exchange}{_below(r, 10**4):04d}"
                found = None if exchange == 555 else self.phone(1, national, True)
            elif origin == "JP":
                found = self.phone(
                    81, f"{r.choice('789')}0{r.randrange(1, 10)}{_below(r, 10**7):07d}", True
                )
            elif origin == "HK":
                found = self.phone(852, f"{r.choice('569')}{_below(r, 10**7):07d}", True)
            else:
                found = self.phone(60, f"1{r.choice('2679')}{_below(r, 10**7):07d}", True)
            if found:
                return found

    def email(self, name: PersonName, birth: date, company: bool) -> str:
        """A new personal address built the way people build them."""
        r = self.rng
        first = (name.english or name.given_roman).lower().replace("-", "").replace(" ", "")
        given = name.given_roman.lower().replace("-", "").replace(" ", "")
        family = name.family_roman.lower().replace(" ", "")
        initials = "".join(p[0] for p in name.given_roman.lower().replace("-", " ").split())
        yy = f"{birth.year % 100:02d}"
        locals_ = (
            f"{first}.{family}",
            f"{given}.{family}",
            f"{family}{given}",
            f"{initials}{family}",
            f"{first}{family}{yy}",
            f"{given}{r.randrange(10, 9999)}",
            f"{first}_{birth.month:02d}{birth.day:02d}",
            f"{r.choice(NICKNAMES)}{first}{yy}",
        )
        domain = r.choice(COMPANY_DOMAINS) if company else _MAIL_DOMAINS[_pick_cum(r, _MAIL_CUM)]
        local = r.choice(locals_)
        while True:
            address = f"{local}@{domain}"
            if self.ids.claim(email_key(address)):
                return address
            local = f"{local}{r.randrange(10)}"

    def family_email(self, family: str, birth: date) -> str:
        """A new family mailbox, such as ``chen.home@gmail.com``."""
        r = self.rng
        family = family.lower().replace(" ", "")
        local = r.choice((f"{family}family", f"{family}.home", f"the{family}s", f"{family}jia"))
        local += r.choice(("", f"{birth.year % 100:02d}", str(r.randrange(1, 100))))
        domain = r.choice(("gmail.com", "gmail.com", "yahoo.com.tw", "msa.hinet.net"))
        while True:
            address = f"{local}@{domain}"
            if self.ids.claim(email_key(address)):
                return address
            local = f"{local}{r.randrange(10)}"

    def names(self, gender: str, origin: str | None, family: tuple[str, str] | None) -> PersonName:
        """Names for a local (sharing ``family`` if given) or a foreign person."""
        r = self.rng
        if origin is None:
            fam_han, fam_roman = family or FAMILY_NAMES[_pick_cum(r, _FAMILY_CUM)][:2]
            chars = GIVEN_CHARS[gender]
            (c1, r1), (c2, r2) = chars[_below(r, len(chars))], chars[_below(r, len(chars))]
            while r2 == r1:
                c2, r2 = chars[_below(r, len(chars))]
            english = r.choice(ENGLISH_NAMES[gender]) if r.random() < ENGLISH_NAME_RATE else None
            return PersonName(fam_han, c1 + c2, fam_roman, f"{r1}-{r2}", english)
        if origin == "US":
            given = r.choice(ENGLISH_NAMES[gender])
            return PersonName(None, None, r.choice(WESTERN_FAMILY), given, given)
        if origin == "JP":
            fam, giv = r.choice(JAPANESE_FAMILY), r.choice(JAPANESE_GIVEN[gender])
            return PersonName(fam[0], giv[0], fam[1], giv[1], None)
        fam = r.choice(CANTONESE_FAMILY if origin == "HK" else MALAYSIAN_FAMILY)
        giv = r.choice(CANTONESE_GIVEN[gender])
        english = r.choice(ENGLISH_NAMES[gender]) if r.random() < 0.6 else None
        return PersonName(fam[0], giv[0], fam[1], giv[1], english)

    def birth_date(self, earliest: int, latest: int) -> date:
        """A birth date between two years."""
        first = date(earliest, 1, 1)
        return first + timedelta(days=self.rng.randrange((latest - earliest + 1) * 365))

    def anonymous_id(self) -> str:
        """A browser or device id: a uuid4, or a Google Analytics client id."""
        r = self.rng
        if r.random() < 0.7:
            h = f"{r.getrandbits(128):032x}"
            variant = "89ab"[int(h[16], 16) & 3]
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"
        return f"GA1.2.{10**8 + _below(r, 19 * 10**8)}.{1_500_000_000 + _below(r, 235_000_000)}"

    def person(
        self,
        gender: str,
        birth: date,
        city: City,
        household: str | None,
        family: tuple[str, str] | None,
    ) -> Person:
        """One person with their identifiers."""
        r = self.rng
        origin = (
            r.choice(FOREIGN_ORIGINS) if household is None and r.random() < FOREIGN_RATE else None
        )
        name = self.names(gender, origin, family)
        emails = [self.email(name, birth, r.random() < COMPANY_MAIL_RATE)]
        if r.random() < SECOND_EMAIL_RATE:
            emails.append(self.email(name, birth, r.random() < 0.4))
        if origin is not None and r.random() < FOREIGN_MOBILE_RATE:
            mobile: Phone | None = self.foreign_mobile(origin)
        else:
            mobile = None if r.random() < NO_MOBILE_RATE else self.tw_mobile()
        crm_ids: tuple[str, ...] = ()
        if r.random() < CRM_RATE:
            crm_ids = (self.ids.fresh("C", 7),)
            if r.random() < DUPLICATE_CRM_RATE:
                crm_ids += (self.ids.fresh("C", 7),)
        foreign = origin is not None
        lang = {"US": "en", "JP": "ja", "HK": "zh-HK", "MY": "en"}.get(origin or "", "zh-TW")
        return Person(
            person_id=f"P{len(self.people) + 1:07d}",
            name=name,
            gender=gender,
            birth_date=birth,
            city=city,
            language=lang,
            foreign=foreign,
            reluctant=r.random() < RELUCTANT_RATE,
            marketing_opt_in=r.random() < MARKETING_OPT_IN_RATE,
            emails=tuple(emails),
            mobile=mobile,
            crm_ids=crm_ids,
            loyalty_id=self.ids.fresh("LC", 8, False) if r.random() < LOYALTY_RATE else None,
            line_id=(
                f"U{r.getrandbits(128):032x}"
                if r.random() < (LINE_RATE_FOREIGN if foreign else LINE_RATE)
                else None
            ),
            whatsapp=mobile is not None
            and r.random() < (WHATSAPP_RATE_FOREIGN if foreign else WHATSAPP_RATE),
            messenger_id=(
                self.ids.fresh("", r.choice((15, 16))) if r.random() < MESSENGER_RATE else None
            ),
            user_id=self.ids.fresh("", 8) if r.random() < ESHOP_RATE else None,
            anonymous_ids=tuple(self.anonymous_id() for _ in range(r.choice((1, 1, 1, 2, 2, 3)))),
            household_id=household,
            own_landline=(
                self.landline(city)
                if household is None and origin is None and r.random() < OWN_LANDLINE_RATE
                else None
            ),
        )

    def household(self, size: int, city: City) -> None:
        """A household of ``size`` people sharing a landline and maybe more."""
        r = self.rng
        hid = f"H{len(self.households) + 1:07d}"
        head_gender = "M" if r.random() < 0.75 else "F"
        head_birth = self.birth_date(1952, 1986)
        head = self.person(head_gender, head_birth, city, hid, None)
        family = (head.name.family_han or "", head.name.family_roman)
        members = [head]
        self.people.append(head)
        spouse_birth = head_birth + timedelta(days=r.randrange(-1500, 1500))
        spouse = self.person("F" if head_gender == "M" else "M", spouse_birth, city, hid, None)
        members.append(spouse)
        self.people.append(spouse)
        for _ in range(size - 2):
            child_birth = min(
                head_birth + timedelta(days=r.randrange(24 * 365, 38 * 365)), date(2010, 12, 31)
            )
            child = self.person(r.choice("FM"), child_birth, city, hid, family)
            members.append(child)
            self.people.append(child)
        mailbox = (
            self.family_email(family[1], head_birth) if r.random() < FAMILY_MAILBOX_RATE else None
        )
        computer = self.anonymous_id() if r.random() < FAMILY_COMPUTER_RATE else None
        self.households.append(
            Household(
                hid,
                tuple(m.person_id for m in members),
                city,
                self.landline(city),
                mailbox,
                computer,
            )
        )

    def build(self, people: int, region: str) -> World:
        """The world of ``people`` people."""
        r = self.rng
        while len(self.people) < people:
            city = CITIES[_pick_cum(r, _CITY_CUM)]
            remaining = people - len(self.people)
            if remaining >= 2 and r.random() < HOUSEHOLD_START_RATE:
                size = r.choices(HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_WEIGHTS)[0]
                self.household(min(size, remaining), city)
                continue
            gender = r.choice("FM")
            birth = self.birth_date(1950, 2006) if r.random() < 0.3 else self.birth_date(1975, 2002)
            self.people.append(self.person(gender, birth, city, None, None))
        by_key = {c.key: c for c in CITIES}
        count = min(len(SHOPS), max(2, people // 150))
        shops = tuple(
            Shop(f"S{i + 1:02d}", name, by_key[city], self.landline(by_key[city]))
            for i, (name, city) in enumerate(SHOPS[:count])
        )
        return World(region, tuple(self.people), tuple(self.households), shops)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector while building many acyclic objects (2x faster), then resume."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def generate_world(people: int, seed: int = 7, region: str = "TW") -> World:
    """A seeded population of ``people`` people with households and shops."""
    if region not in SUPPORTED_REGIONS:
        raise ValueError(f"region {region!r} is not supported; use one of {SUPPORTED_REGIONS}")
    if people < 0:
        raise ValueError("people must not be negative")
    with paused_gc():
        return _WorldBuilder(seed).build(people, region)
