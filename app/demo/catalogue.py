"""What the demo brand sells, sends and offers: its catalogue, campaigns, services and tiers,
and the rates that drive how often each thing happens in a simulated life."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta, timezone

from app.demo.world import SHOPS

ACCOUNT_CURRENCY = "TWD"
# TWD per unit, to price foreign orders; events in them validate with these rates.
REFERENCE_RATES: Mapping[str, float] = {"USD": 32.0, "JPY": 0.21}
LOCAL = timezone(timedelta(hours=8))
HOUR = 3600
DAY = 86_400
YEAR = 365 * DAY

# Rates per person and year at activity level 1; levels are Pareto-distributed (heavy tail).
LEVEL_ALPHA = 1.6
LEVEL_SCALE = 0.7
LEVEL_CAP = 60.0
ESHOP_ORDERS = 0.8
POS_ORDERS = 0.7
WEB_SESSIONS = 2.5
CONVERSATIONS = 0.3
EXTRA_BOOKINGS = 0.12
STORE_VISITS = 0.5
FUTURE_BOOKING_RATE = 0.05  # chance, times the level (at most 5x), of a booking after now
SEND_RATE = {"email": 0.12, "line": 0.15, "sms": 0.3}  # share of campaigns, times sqrt(level)
UNSUBSCRIBE_RATE = {"email": 0.004, "line": 0.008, "sms": 0.01}  # per send
ESHOP_COMPLETION_RATE = 0.93
RETURN_RATE = 0.05
PARTIAL_RETURN_RATE = 0.4
WARRANTY_REGISTRATION_RATE = 0.55
CLAIM_RATE = 0.09
SURVEY_RATE = 0.06
DELIVERY_QUESTION_RATE = 0.07
REFUND_QUESTION_RATE = 0.5
CLAIM_CONVERSATION_RATE = 0.5
CONSENT_REVOKE_RATE = 0.08
FOREIGN_CURRENCY_RATE = 0.7  # of a foreign customer's e-shop orders, when the currency is allowed

# -- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Product:
    """One item of the demo shop; appliances carry a warranty of some years."""

    sku: str
    name: str
    category: str
    price: int  # TWD
    warranty_years: int = 0


CATALOGUE = (
    Product("KT-1200", "Electric kettle 1.2 L", "kettles", 1290, 1),
    Product("KT-1700", "Temperature-control kettle 1.7 L", "kettles", 2490, 1),
    Product("RC-10", "IH rice cooker, 10 cups", "rice cookers", 6990, 2),
    Product("RC-6", "Rice cooker, 6 cups", "rice cookers", 3290, 1),
    Product("AF-550", "Air fryer 5.5 L", "air fryers", 3990, 1),
    Product("AF-900", "Air fryer oven 9 L", "air fryers", 5490, 1),
    Product("FN-16", "16-inch DC fan", "fans", 2790, 1),
    Product("FN-TW", "Tower fan with remote", "fans", 3590, 1),
    Product("VC-750", "Cordless vacuum cleaner", "vacuum cleaners", 12900, 2),
    Product("VC-300", "Handheld vacuum cleaner", "vacuum cleaners", 3990, 1),
    Product("AP-300", "Air purifier for 30 m2", "air purifiers", 8990, 2),
    Product("HD-90", "Dehumidifier 9 L/day", "dehumidifiers", 7490, 2),
    Product("WP-520", "Under-sink water purifier", "water purifiers", 9800, 2),
    Product("IH-880", "Induction cooktop", "induction cookers", 2990, 1),
    Product("CM-200", "Drip coffee maker", "coffee makers", 2680, 1),
    Product("CG-100", "Burr coffee grinder", "coffee makers", 1980, 1),
    Product("CF-HSE", "House blend coffee beans 454 g", "coffee", 480),
    Product("CF-YRG", "Yirgacheffe coffee beans 227 g", "coffee", 420),
    Product("CF-DRP", "Drip coffee bags x10", "coffee", 250),
    Product("TE-OOL", "Alishan high-mountain oolong 150 g", "tea", 650),
    Product("TE-SML", "Sun Moon Lake black tea 75 g", "tea", 520),
    Product("TE-JSM", "Jasmine green tea bags x20", "tea", 180),
    Product("MG-350", "Ceramic mug 350 ml", "mugs", 390),
    Product("MG-TRV", "Insulated travel mug 500 ml", "mugs", 690),
    Product("FL-WP520", "Water purifier cartridge (WP-520)", "filters", 1200),
    Product("FL-AP300", "HEPA filter (AP-300)", "filters", 990),
    Product("FL-VC750", "Vacuum filter set (VC-750)", "filters", 590),
    Product("FL-CM100", "Paper coffee filters x100", "filters", 120),
    Product("AC-DSC", "Kettle descaler", "accessories", 150),
    Product("AC-AFL", "Air fryer paper liners x50", "accessories", 199),
)
BY_SKU = {p.sku: p for p in CATALOGUE}
CATEGORIES = tuple(sorted({p.category for p in CATALOGUE}))
BY_CATEGORY = {c: tuple(p for p in CATALOGUE if p.category == c) for c in CATEGORIES}
APPLIANCES = tuple(p for p in CATALOGUE if p.warranty_years)
CONSUMABLES = tuple(p for p in CATALOGUE if not p.warranty_years)
REFILLS = {"WP-520": "FL-WP520", "AP-300": "FL-AP300", "VC-750": "FL-VC750", "CM-200": "FL-CM100"}
SHIPPING_FEE, FREE_SHIPPING_FROM = 80, 990
ESHOP_PAYMENTS = ("credit_card", "line_pay", "jko_pay", "cash_on_delivery")
POS_PAYMENTS = ("cash", "credit_card", "line_pay", "easycard")
RETURN_REASONS = ("defective", "changed mind", "wrong item", "damaged in delivery")
SHOP_URL = "https://shop.example.com/tw"
SEARCHES = {
    "kettles": ("快煮壺", "electric kettle", "溫控壺"),
    "rice cookers": ("電子鍋", "IH 電子鍋", "rice cooker 10 cup"),
    "air fryers": ("氣炸鍋", "air fryer", "氣炸烤箱"),
    "fans": ("DC 電扇", "循環扇", "tower fan"),
    "vacuum cleaners": ("無線吸塵器", "吸塵器 推薦", "cordless vacuum"),
    "air purifiers": ("空氣清淨機", "HEPA"),
    "dehumidifiers": ("除濕機", "除濕機 推薦"),
    "water purifiers": ("淨水器", "濾水器"),
    "induction cookers": ("電磁爐", "IH cooktop"),
    "coffee makers": ("咖啡機", "磨豆機", "coffee maker"),
    "coffee": ("咖啡豆", "耶加雪菲", "濾掛咖啡"),
    "tea": ("烏龍茶", "紅茶", "jasmine tea"),
    "mugs": ("馬克杯", "保溫杯"),
    "filters": ("濾心", "HEPA 濾網", "濾紙"),
    "accessories": ("除垢劑", "烘焙紙"),
}

# -- campaigns: one theme a month, e-mail every two weeks, LINE every ten days, SMS on sale days --

THEMES = (
    ("Lunar New Year gift guide", "kettles"),
    ("Spring cleaning: cordless vacuums", "vacuum cleaners"),
    ("Coffee month: beans and brewers", "coffee"),
    ("Plum-rain season dehumidifiers", "dehumidifiers"),
    ("Mother's Day kitchen gifts", "air fryers"),
    ("618 mid-year sale", "rice cookers"),
    ("Stay cool: fans and purifiers", "fans"),
    ("Father's Day coffee gear", "coffee makers"),
    ("Mid-Autumn tea sets", "tea"),
    ("Autumn oolong harvest", "tea"),
    ("Double 11 mega sale", "air fryers"),
    ("Year-end wishlist deals", "vacuum cleaners"),
)
SMS_DATES = ((1, 15), (5, 1), (6, 15), (8, 5), (11, 9), (12, 10))
CAMPAIGN_EVERY = {"email": 14, "line": 10}  # days
CHANNEL_CODE = {"email": "EM", "line": "LN", "sms": "SM"}
MARKETING_KIND = {"email": "email", "line": "line_id", "sms": "phone"}

# -- service: claims, bookings, conversations, loyalty ---------------------------------------------

ISSUES = {
    "kettles": ("Does not switch off after boiling", "Leaks from the base"),
    "rice cookers": ("Rice burns at the bottom", "Error code E1 on the display"),
    "air fryers": ("Heating stops after 5 minutes", "Basket coating is peeling"),
    "fans": ("Remote control does not respond", "Motor hums loudly"),
    "vacuum cleaners": ("Battery lasts under 5 minutes", "Brush roll does not spin"),
    "air purifiers": ("Filter light stays on after replacement", "Clicking noise at night"),
    "dehumidifiers": ("Tank-full light on with an empty tank", "Compressor does not start"),
    "water purifiers": ("Slow flow after a cartridge change", "Leak under the sink"),
    "induction cookers": ("Error code E3, no heat", "Buttons do not respond"),
    "coffee makers": ("Water does not flow through", "Grinder jams"),
}
CLAIM_STEPS = ("diagnosing", "awaiting parts", "in repair")
RESOLUTIONS = (
    "Repaired under warranty",
    "Replaced with a new unit",
    "Refunded",
    "No fault found; usage explained",
)
SERVICES = {
    "fitting": "Water purifier installation",
    "repair": "Appliance repair visit",
    "demo": "Air fryer cooking demo",
    "consultation": "Kitchen appliance consultation",
    "pickup": "Click & collect pickup",
}
ALL_SERVICES = (
    *SERVICES.values(),
    "Coffee tasting session",
    "Dehumidifier maintenance",
    "Vacuum servicing",
)
STAFF = ("Kevin Lin", "Amy Chen", "Jerry Huang", "Ivy Tsai", "Eric Wang", "Grace Lee")
AGENTS = ("Amy (service desk)", "Jason Wu", "Irene Chen", "Peggy Hsu", "LINE bot")
# Chat channel, the identifier kind it knows people by, and how often it is used.
CHATS = (
    ("line", "line_id", 6),
    ("whatsapp", "whatsapp_id", 2),
    ("messenger", "messenger_id", 2),
    ("email", "email", 2),
)
SENTIMENTS = ("positive", "neutral", "negative", "mixed")


@dataclass(frozen=True, slots=True)
class Topic:
    """What a conversation is about: how it tends to feel, read and end."""

    moods: tuple[int, int, int, int]  # weights of SENTIMENTS
    summaries: tuple[str, ...]
    outcomes: tuple[str, ...]


TOPICS = {
    "product_question": Topic(
        (30, 60, 5, 5),
        (
            "Asked whether the {product} fits a small kitchen; sent the size chart.",
            "Asked if refills for the {product} are in stock at {store}.",
            "Compared the {product} with last year's model; explained the differences.",
        ),
        ("answered", "answered", "sent product link"),
    ),
    "delivery": Topic(
        (10, 40, 40, 10),
        (
            "Asked where order {order} is; the courier was delayed, new date given.",
            "Order {order} arrived with a dented box; photos requested.",
            "Wanted to change the delivery address of order {order}.",
        ),
        ("resolved", "resolved", "courier contacted"),
    ),
    "refund": Topic(
        (15, 35, 40, 10),
        (
            "Asked when the refund for order {order} will arrive; 5-7 working days.",
            "Returned part of order {order} and asked about the refund amount.",
        ),
        ("refund issued", "refund confirmed", "escalated"),
    ),
    "warranty": Topic(
        (5, 35, 50, 10),
        (
            "Reported that the {product} has a fault ({issue}); claim {claim} opened.",
            "Asked about the repair status of claim {claim} ({product}).",
        ),
        ("claim opened", "repair arranged", "escalated"),
    ),
    "booking": Topic(
        (30, 55, 10, 5),
        (
            "Asked to move the {service} appointment at {store} to a weekend.",
            "Asked what to prepare for the {service} at {store}.",
        ),
        ("booking rescheduled", "answered"),
    ),
    "membership": Topic(
        (25, 60, 10, 5),
        (
            "Asked how many points are left and when vouchers expire.",
            "Asked how to reach the next membership tier.",
        ),
        ("answered", "answered"),
    ),
}
TIERS = (("Member", 0), ("Silver", 15_000), ("Gold", 50_000), ("Platinum", 150_000))
TIER_GIFTS = {"Silver": 300, "Gold": 800, "Platinum": 2000}  # TWD vouchers on reaching a tier
SURVEY_COMMENTS = ("Fast delivery", "Friendly staff", "A bit pricey", "Great quality", "")
SERIAL_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
SHOP_NAMES = {f"S{i + 1:02d}": name for i, (name, _) in enumerate(SHOPS)}
# Event id prefixes by type prefix.
CODES = {
    "order": "ord", "marketing": "mkt", "web": "web", "cart": "crt", "wishlist": "wsh",
    "warranty": "wty", "booking": "bkg", "conversation": "cnv", "loyalty": "loy",
    "consent": "cns", "custom": "cus",
}  # fmt: skip
