"""One record's person evidence, normalised: Latin-letter names, a date, a gender, an address."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from anyascii import anyascii

from resolvers.identity.person.names import is_cjk, split_name

_YEAR_FIRST = re.compile(r"^\s*(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})\s*$")
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")
_WORD = re.compile(r"[0-9a-z]+")
_NOT_POSTCODE = re.compile(r"[^0-9a-z]")
# Names, cities and streets repeat across records: their normal forms are memoised (pure).
_MEMO = 65_536
_GENDERS = {
    "m": "m", "male": "m", "man": "m", "boy": "m", "mr": "m", "男": "m", "先生": "m",
    "f": "f", "female": "f", "woman": "f", "girl": "f", "ms": "f", "mrs": "f", "女": "f",
    "女士": "f", "小姐": "f",
}  # fmt: skip
# words of an address that channels abbreviate or not: one spelling each
_STREET_WORDS = {
    "street": "st", "str": "st", "road": "rd", "avenue": "ave", "av": "ave", "drive": "dr",
    "place": "pl", "court": "ct", "crescent": "cres", "lane": "ln", "boulevard": "blvd",
    "highway": "hwy", "terrace": "tce", "circuit": "cct", "parade": "pde", "close": "cl",
    "section": "sec", "lane.": "ln", "alley": "aly", "floor": "fl", "number": "no",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """The comparable person traits of one record; an empty string is a trait not stated."""

    first_name: str = ""
    last_name: str = ""
    birth_date: str = ""
    gender: str = ""
    street: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""

    @property
    def evidence(self) -> int:
        """How many traits the record states (a name and nothing else identifies nobody)."""
        return sum(
            bool(v)
            for v in (
                self.first_name,
                self.last_name,
                self.birth_date,
                self.street,
                self.postcode,
            )
        )


def person_record(attributes: Mapping[str, Any]) -> PersonRecord:
    """The normalised person evidence of a record's standard attributes."""
    get = attributes.get
    given, family = split_name(get("first_name"), get("last_name"))
    return PersonRecord(
        first_name=name_text(given),
        last_name=name_text(family),
        birth_date=birth_date(get("birth_date")),
        gender=_GENDERS.get(_text(get("gender")), ""),
        street=_street(_text(get("street")), _text(get("address_line2"))),
        city=_city(_text(get("city"))),
        postcode=_postcode(_text(get("postcode"))),
        country=_text(get("country"))[:2],
    )


@lru_cache(maxsize=_MEMO)
def _street(line1: str, line2: str) -> str:
    street = f"{line1} {line2}" if line1 and line2 else line1 or line2
    return " ".join(_STREET_WORDS.get(w, w) for w in _words(street))


@lru_cache(maxsize=_MEMO)
def _postcode(text: str) -> str:
    return _NOT_POSTCODE.sub("", text)


@lru_cache(maxsize=_MEMO)
def _city(text: str) -> str:
    return " ".join(_words(text))


def name_text(raw: object) -> str:
    """A name in lower-case Latin letters and single spaces, from any script.

    Han, Hangul and Kana are transliterated (anyascii: pinyin, revised romanisation, Hepburn),
    accents dropped, punctuation and hyphens read as spaces: "Mei-Ling" and "美玲" both give
    comparable Latin letters.
    """
    if not isinstance(raw, str):
        return ""
    return _name_text(raw)


@lru_cache(maxsize=_MEMO)
def _name_text(raw: str) -> str:
    spaced = "".join(f" {ch} " if is_cjk(ch) else ch for ch in raw)
    return " ".join(_words(anyascii(unicodedata.normalize("NFKC", spaced)).casefold()))


def birth_date(raw: object) -> str:
    """``YYYY-MM-DD`` from year-first spellings (``1990-02-03``, ``19900203``, ``1990/2/3``)
    or day-first ones (``03/02/1990``, ``3.2.1990``); empty when it is no plausible date."""
    if not isinstance(raw, str):
        return ""
    return _birth_date(raw)


@lru_cache(maxsize=_MEMO)
def _birth_date(raw: str) -> str:
    match = _YEAR_FIRST.match(raw)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DAY_FIRST.match(raw)
        if not match:
            return ""
        day, month, year = (int(g) for g in match.groups())
        if month > 12 >= day:  # written month first: 12/31/1990
            day, month = month, day
    if not (1000 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return ""
    date = f"{year:04d}-{month:02d}-{day:02d}"
    return "" if date in PLACEHOLDER_DATES else date


# Dates systems write when they have none: the first day a type or a tool can hold (SQL
# Server's datetime 1753, COBOL and Windows 1601, Excel and Delphi 1899-12-30/31 and 1900),
# and dates typed to get past a required field. Two strangers sharing one would be matched
# on it, so they say nothing (1970-01-01, the Unix epoch, is also many people's birthday).
PLACEHOLDER_DATES = frozenset(
    {"1000-01-01", "1111-11-11", "1601-01-01", "1753-01-01", "1800-01-01", "1899-12-30",
     "1899-12-31", "1900-01-01", "1901-01-01", "2099-12-31", "2100-01-01"}
)  # fmt: skip


def _text(raw: object) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        return ""
    return _clean(raw)


@lru_cache(maxsize=_MEMO)
def _clean(raw: str) -> str:
    return anyascii(unicodedata.normalize("NFKC", raw)).strip().casefold()


def _words(text: str) -> list[str]:
    return _WORD.findall(text)
