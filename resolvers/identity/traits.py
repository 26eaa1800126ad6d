"""Person traits carried by records (birth date, gender, given names) that tell people apart.

A shareable value (a phone, an e-mail) seen on records that disagree on a trait is used by
more than one person: a household's landline, a family mailbox. Only traits a person does
not vary are compared: a birth date, a gender, and given names within one script (one person
is often "Amy", "Mei-Ling" and "美玲" across channels, so names of different scripts, and by
default Latin names at all, say nothing).

A typed birth date is the trait people get wrong most. When every record that gave the
disagreeing dates also names the person, and all those names agree (given and family name,
allowing slips, sound-alikes, nicknames and a swap), the dates are taken for typos:
``typo_attributes`` lists the traits so forgiven, and each such trait keeps who gave each
value (``birth_date.named``). A mother and daughter sharing a mailbox differ in given name,
so their dates still tell them apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin

from resolvers.identity.person.compare import Level, name_level
from resolvers.identity.person.names import split_name, wade_giles
from resolvers.identity.person.record import PLACEHOLDER_DATES, name_text
from resolvers.identity.policy import GenericRule

MAX_VALUES = 8
_DATE = re.compile(r"^\s*(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})\s*$")
_GENDERS = {
    "m": "m", "male": "m", "man": "m", "boy": "m", "mr": "m", "男": "m", "先生": "m",
    "f": "f", "female": "f", "woman": "f", "girl": "f", "ms": "f", "mrs": "f", "女": "f",
    "女士": "f", "小姐": "f",
}  # fmt: skip
Traits = Mapping[str, tuple[str, ...]]


def script_of(text: str) -> str:
    """The script of a name by its first letter: latin, han, hangul, kana or another."""
    first = text[0]
    if first.isascii() or "LATIN" in unicodedata.name(first, ""):
        return "latin"
    name = unicodedata.name(first, "")
    if name.startswith("CJK"):
        return "han"
    if name.startswith(("HIRAGANA", "KATAKANA")):
        return "kana"
    return name.split(" ", 1)[0].lower() or "other"


def record_traits(attributes: Mapping[str, Any], rule: GenericRule) -> dict[str, str]:
    """The comparable traits one record states, normalised; what it does not state is absent."""
    out: dict[str, str] = {}
    for attribute in rule.conflict_attributes:
        value = attributes.get(attribute)
        normal = _normal(attribute, value)
        if normal is not None:
            out[attribute] = normal
    given, family, named = _name_traits(
        _first_stated(attributes, rule.name_attributes),
        _first_stated(attributes, rule.family_name_attributes),
        rule.name_scripts,
    )
    out.update(named)
    for attribute in rule.typo_attributes:
        if attribute in out:
            # who gave this value: a value given by an unnamed record forgives nothing
            out[attribute + NAMED] = f"{out[attribute]}|{given}|{family}"
    return out


@lru_cache(maxsize=65_536)  # names repeat across records; the function is pure
def _name_traits(
    given_field: str | None, family_field: str | None, scripts: tuple[str, ...]
) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """The traits a record's two name fields give: the given and family name in Latin
    spellings, and the name traits (``name.<script>``, ``family.<script>``, ``fullname``)."""
    raw_given, raw_family = split_name(given_field, family_field)
    out: list[tuple[str, str]] = []
    for prefix, raw in (("name", raw_given), (FAMILY, raw_family)):
        token = name_token(raw)
        if token is not None:
            script = script_of(token)
            if script in scripts:
                out.append((f"{prefix}.{script}", token))
    given, family = _spellings(raw_given), _spellings(raw_family)
    if given and family:
        out.append((FULL_NAME, f"{given}|{family}"))
    return given, family, tuple(out)


FAMILY = "family"  # family names of a compared script: "family.han" (a household may share one)
NAMED = ".named"  # a trait's "value|given|family": who gave each value, to judge typos
# a trait: "given|family" in Latin letters. Names never refuse a merge (spellings, nicknames
# and romanisations vary); records that all name one person keep a value personal
FULL_NAME = "fullname"


def _spellings(raw: str) -> str:
    """A name in Latin letters: as ``anyascii`` spells it, then "/" and its Wade–Giles
    spelling when that differs (Han names); empty when there is no name."""
    latin = name_text(raw)
    other = wade_giles(raw) if latin else ""
    return f"{latin}/{other}" if other and other != latin else latin


def _first_stated(attributes: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    """The first of these attributes the record states (a non-blank text)."""
    for attribute in names:
        value = attributes.get(attribute)
        if isinstance(value, str) and value.strip():
            return value
    return None


SILENT = "silent"  # a trait: some record carrying the value said nothing of the person


def observed_traits(
    attributes: Mapping[str, Any], rule: GenericRule, *, alone: bool = False
) -> dict[str, str]:
    """A stored record's traits, and ``silent`` when it states no birth date, no given name of
    a compared script and no full name: a value is one person's only when every record
    carrying it says who that person is. A record that carries the value ``alone`` (no other
    identifier: a newsletter sign-up) brings nobody else to it, so its silence says nothing."""
    out = record_traits(attributes, rule)
    if not alone and FULL_NAME not in out and not any(identifying(trait) for trait in out):
        out[SILENT] = "1"
    return out


def is_date(trait: str) -> bool:
    """Whether a trait is a date (compared allowing a slip of day and month)."""
    return trait.endswith("date")


def identifying(trait: str) -> bool:
    """Whether a trait tells who a person is (a birth date, a given name), not only what."""
    return not trait.endswith(NAMED) and (trait.endswith("date") or trait.startswith("name."))


def one_name(names: Iterable[str]) -> bool:
    """Whether full names (``given|family``) all name one person: each has both parts, and
    every two agree on both (straight or swapped: slips, sound-alikes and nicknames)."""
    values = sorted(set(names))
    if not values or len(values) >= MAX_VALUES:
        return False  # none, or more than were kept: who they all are cannot be told
    if any(v.startswith("|") or v.endswith("|") for v in values):
        return False
    return all(_same_person(a, b) for i, a in enumerate(values) for b in values[i + 1 :])


def two_people(names: Iterable[str]) -> bool:
    """Whether two full names (``given|family``) share neither part in any spelling, straight
    or swapped: "Kevin Chen" and "志明 陳" may be one person, "志明 陳" and "美玲 林" are not."""
    values = sorted(v for v in set(names) if not v.startswith("|") and not v.endswith("|"))
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            (ga, fa), (gb, fb) = a.split("|", 1), b.split("|", 1)
            if not any(_alike(x, y) for x in (ga, fa) for y in (gb, fb)):
                return True
    return False


def _same_person(a: str, b: str) -> bool:
    given_a, family_a = a.split("|", 1)
    given_b, family_b = b.split("|", 1)
    straight = _alike(given_a, given_b) and _alike(family_a, family_b)
    return straight or (_alike(given_a, family_b) and _alike(family_a, given_b))


def _alike(a: str, b: str) -> bool:
    """Whether two names agree in any of their spellings ("xuan rong/hsuan jung")."""
    agree = (Level.EXACT, Level.CLOSE)
    return any(name_level(x, y) in agree for x in a.split("/") for y in b.split("/"))


def merge_traits(current: Traits, new: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Add one record's traits; sorted and bounded, so the result ignores arrival order."""
    out = dict(current)
    for trait, value in new.items():
        values = out.get(trait, ())
        if value not in values:
            out[trait] = tuple(sorted((*values, value))[:MAX_VALUES])
    return dict(sorted(out.items()))


def disagreement(traits: Traits, forgiven: tuple[str, ...] = ()) -> str | None:
    """The first trait on which the records disagree, described; None when they agree.

    Traits in ``forgiven`` (the policy's ``typo_attributes``) may disagree when the records
    all name one person.
    """
    if all(len(values) < 2 for values in traits.values()):
        return None  # one value a trait: nothing to disagree on (the usual case)
    for trait, values in sorted(traits.items()):
        if len(values) > 1 and _conflict(trait, values):
            if trait in forgiven and _typos(trait, values, traits, values, traits):
                continue
            return _describe(trait, len(values))
    return None


def agreeing(traits: Traits) -> dict[str, tuple[str, ...]]:
    """The traits whose values agree with each other; a self-contradicting trait says nothing,
    and neither do the names of those who gave it."""
    out = {t: v for t, v in traits.items() if len(v) < 2 or not _conflict(t, v)}
    return {t: v for t, v in out.items() if not t.endswith(NAMED) or t.removesuffix(NAMED) in out}


def _typos(trait: str, mine: Iterable[str], a: Traits, theirs: Iterable[str], b: Traits) -> bool:
    """Whether values of a trait that differ were all given by records naming one person."""
    given_a, given_b = a.get(trait + NAMED, ()), b.get(trait + NAMED, ())
    if len(given_a) >= MAX_VALUES or len(given_b) >= MAX_VALUES:
        return False  # some givers were not kept: who they were cannot be told
    names: set[str] = set()
    for values, givers in ((mine, given_a), (theirs, given_b)):
        for value in values:
            named = [g.split("|", 1)[1] for g in givers if g.split("|", 1)[0] == value]
            if not named:
                return False
            names.update(named)
    return one_name(names)


def union(a: Traits, b: Traits) -> dict[str, tuple[str, ...]]:
    """Both sides' trait values together, sorted and bounded."""
    out = dict(a)
    for trait, values in b.items():
        mine = out.get(trait, ())
        if not set(values) <= set(mine):
            out[trait] = tuple(sorted({*mine, *values})[:MAX_VALUES])
    return dict(sorted(out.items()))


def clash(
    a: Traits, b: Traits, forgiven: tuple[str, ...] = (), ignored: tuple[str, ...] = ()
) -> str | None:
    """Why two customers with these traits cannot be one person, or None.

    Two sides clash on a trait when no value of one agrees with any value of the other. A
    customer may disagree within itself (a steward forced it together, a value no household
    shares joined a typo): as long as one of its values agrees, the other side may be the same
    person. Traits in ``forgiven`` may differ when the records that gave the values all name
    one person; traits in ``ignored`` are not compared.
    """
    for trait in sorted(a.keys() & b.keys() - set(ignored)):
        same = _comparer(trait)
        if not any(same(x, y) for x in a[trait] for y in b[trait]):
            if trait in forgiven and _typos(trait, a[trait], a, b[trait], b):
                continue
            return f"traits: the two sides give different {_noun(trait)}"
    return None


def _conflict(trait: str, values: Iterable[str]) -> bool:
    if trait.endswith(NAMED) or trait == FULL_NAME:
        return False  # names never refuse; they only forgive and keep a value personal
    tokens = sorted(set(values))
    same = _comparer(trait)
    return any(not same(a, b) for i, a in enumerate(tokens) for b in tokens[i + 1 :])


def _comparer(trait: str) -> Callable[[str, str], bool]:
    if trait.endswith(NAMED) or trait == FULL_NAME:
        return _always
    if trait.startswith(("name.", FAMILY + ".")):
        return _same_name
    if trait.endswith("date"):
        return _same_date
    return str.__eq__


def _always(_a: str, _b: str) -> bool:
    return True


def _describe(trait: str, count: int) -> str:
    if trait.startswith("name."):
        return f"records carrying it name different people ({trait[5:]} names)"
    return f"records carrying it give {count} different {_noun(trait)}"


def _noun(trait: str) -> str:
    if trait.startswith("name."):
        return f"given names ({trait[5:]})"
    if trait.startswith(FAMILY + "."):
        return f"family names ({trait[len(FAMILY) + 1 :]})"
    return trait.replace("_", " ") + "s"


def name_token(raw: object) -> str | None:
    """A comparable given name: letters only, case-folded, accents removed."""
    if not isinstance(raw, str):
        return None
    return _name_token(raw)


@lru_cache(maxsize=65_536)  # names repeat across records; the function is pure
def _name_token(raw: str) -> str | None:
    text = unicodedata.normalize("NFKD", raw)
    letters = "".join(ch for ch in text if ch.isalpha() and not unicodedata.combining(ch))
    return letters.casefold() or None


def _same_name(a: str, b: str) -> bool:
    """Equal, one inside the other (a family name typed too), or one slip in a long name."""
    if a in b or b in a:
        return True
    if len(a) != len(b) or len(a) < 2:
        return False
    slips = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(slips) != 1:
        return False
    # One character of a Han given name is often mistyped as another with the same sound (an
    # input method offers homophones); siblings often share one character of their given
    # names and differ in the other, which then sounds different (育嘉 and 維嘉).
    x, y = slips[0]
    return not (_is_han(x) and _is_han(y)) or _sound(x) == _sound(y)


def _is_han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK")


@lru_cache(maxsize=65_536)
def _sound(ch: str) -> str:
    """A Han character's syllable without its tone (what a pinyin or zhuyin input types)."""
    return "".join(lazy_pinyin(ch, style=Style.NORMAL, errors="ignore"))


def _same_date(a: str, b: str) -> bool:
    """Equal, or a slip: day and month swapped, or one digit off (in the year only when the
    day and month are the same: a father and son of one birthday are rarer than a typo)."""
    if a == b:
        return True
    if a[:4] != b[:4]:
        return a[4:] == b[4:] and sum(x != y for x, y in zip(a[:4], b[:4], strict=True)) == 1
    if (a[5:7], a[8:10]) == (b[8:10], b[5:7]):
        return True
    return sum(x != y for x, y in zip(a[5:], b[5:], strict=True)) == 1


def _normal(attribute: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    if attribute == "gender":
        return _GENDERS.get(value.strip().casefold())
    if attribute.endswith("date"):
        match = _DATE.match(value)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
        if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
            return None
        date = f"{year:04d}-{month:02d}-{day:02d}"
        return None if date in PLACEHOLDER_DATES else date
    return value.strip().casefold()
