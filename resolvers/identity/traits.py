"""Person traits carried by records (birth date, gender, given names) that tell people apart.

A shareable value (a phone, an e-mail) seen on records that disagree on a trait is used by
more than one person: a household's landline, a family mailbox. Only traits a person does
not vary are compared: a birth date, a gender, and given names within one script (one person
is often "Amy", "Mei-Ling" and "美玲" across channels, so names of different scripts, and by
default Latin names at all, say nothing).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

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
    for attribute in rule.name_attributes:
        token = name_token(attributes.get(attribute))
        if token is not None:
            script = script_of(token)
            if script in rule.name_scripts:
                out[f"name.{script}"] = token
    return out


SILENT = "silent"  # a trait: some record carrying the value said nothing of the person


def observed_traits(attributes: Mapping[str, Any], rule: GenericRule) -> dict[str, str]:
    """A stored record's traits, and ``silent`` when it states no birth date and no given name:
    a value is one person's only when every record carrying it says who that person is."""
    out = record_traits(attributes, rule)
    if not any(identifying(trait) for trait in out):
        out[SILENT] = "1"
    return out


def identifying(trait: str) -> bool:
    """Whether a trait tells who a person is (a birth date, a given name), not only what."""
    return trait.endswith("date") or trait.startswith("name.")


def merge_traits(current: Traits, new: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Add one record's traits; sorted and bounded, so the result ignores arrival order."""
    out = dict(current)
    for trait, value in new.items():
        values = out.get(trait, ())
        if value not in values:
            out[trait] = tuple(sorted((*values, value))[:MAX_VALUES])
    return dict(sorted(out.items()))


def disagreement(traits: Traits) -> str | None:
    """The first trait on which the records disagree, described; None when they agree."""
    if all(len(values) < 2 for values in traits.values()):
        return None  # one value a trait: nothing to disagree on (the usual case)
    for trait, values in sorted(traits.items()):
        if len(values) > 1 and _conflict(trait, values):
            return _describe(trait, len(values))
    return None


def agreeing(traits: Traits) -> dict[str, tuple[str, ...]]:
    """The traits whose values agree with each other; a self-contradicting trait says nothing."""
    return {t: v for t, v in traits.items() if len(v) < 2 or not _conflict(t, v)}


def union(a: Traits, b: Traits) -> dict[str, tuple[str, ...]]:
    """Both sides' trait values together, sorted and bounded."""
    out = dict(a)
    for trait, values in b.items():
        mine = out.get(trait, ())
        if not set(values) <= set(mine):
            out[trait] = tuple(sorted({*mine, *values})[:MAX_VALUES])
    return dict(sorted(out.items()))


def clash(a: Traits, b: Traits) -> str | None:
    """Why two customers with these traits cannot be one person, or None.

    Only a value of one side against a value of the other counts: a customer a steward forced
    together may disagree within itself, and that must not stop everything else joining it.
    """
    for trait in sorted(a.keys() & b.keys()):
        same = _comparer(trait)
        if any(not same(x, y) for x in a[trait] for y in b[trait]):
            return f"traits: the two sides give different {_noun(trait)}"
    return None


def _conflict(trait: str, values: Iterable[str]) -> bool:
    tokens = sorted(set(values))
    same = _comparer(trait)
    return any(not same(a, b) for i, a in enumerate(tokens) for b in tokens[i + 1 :])


def _comparer(trait: str) -> Callable[[str, str], bool]:
    if trait.startswith("name."):
        return _same_name
    if trait.endswith("date"):
        return _same_date
    return str.__eq__


def _describe(trait: str, count: int) -> str:
    if trait.startswith("name."):
        return f"records carrying it name different people ({trait[5:]} names)"
    return f"records carrying it give {count} different {_noun(trait)}"


def _noun(trait: str) -> str:
    if trait.startswith("name."):
        return f"given names ({trait[5:]})"
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
    # One character of a Han given name is often mistyped as another with the same sound.
    return len(a) == len(b) >= 2 and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _same_date(a: str, b: str) -> bool:
    """Equal, or a slip of day and month: swapped, or one digit off (never the year)."""
    if a == b:
        return True
    if a[:4] != b[:4]:
        return False
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
        return f"{year:04d}-{month:02d}-{day:02d}"
    return value.strip().casefold()
