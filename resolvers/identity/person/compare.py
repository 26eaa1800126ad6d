"""Two records' person evidence compared field by field into agreement levels.

Distances come from rapidfuzz (Jaro–Winkler, Damerau–Levenshtein, token ratios), sounds
from jellyfish (Metaphone) and English nicknames from the ``nicknames`` package's table; this
module only decides what counts as close for each field.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache, lru_cache

import jellyfish
from nicknames import NickNamer
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from resolvers.identity.person.record import PersonRecord

FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "street",
    "city",
    "postcode",
)
NAME_CLOSE = 0.9  # Jaro–Winkler similarity from which two spellings of a name are close
STREET_CLOSE = 85.0  # token-sort ratio (0–100) from which two street lines are close


class Level(StrEnum):
    """How far two records agree on one field."""

    EXACT = "exact"
    CLOSE = "close"
    DIFFERENT = "different"
    ABSENT = "absent"  # either record does not state it: says nothing either way


Comparison = dict[str, Level]


def compare(a: PersonRecord, b: PersonRecord) -> Comparison:
    """Each field's agreement level; symmetric in ``a`` and ``b``.

    Given and family names are also compared crosswise (a form that swapped them), and the
    reading that agrees better is kept.
    """
    names = name_levels(a, b)
    return {
        "first_name": names[0],
        "last_name": names[1],
        "birth_date": date_level(a.birth_date, b.birth_date),
        "gender": equal_level(a.gender, b.gender),
        "street": street_level(a.street, b.street),
        "city": name_level(a.city, b.city),
        "postcode": code_level(a.postcode, b.postcode),
    }


def name_levels(a: PersonRecord, b: PersonRecord) -> tuple[Level, Level]:
    """The given and family names' levels, straight or crosswise, whichever agrees better."""
    straight = (name_level(a.first_name, b.first_name), name_level(a.last_name, b.last_name))
    if straight == _BOTH_EXACT:
        return straight  # no crosswise reading agrees better
    crossed = (name_level(a.first_name, b.last_name), name_level(a.last_name, b.first_name))
    if _rank(crossed) < _rank(straight):
        # crosswise, which side is "given" depends on the reading: take the better level as
        # the given name's, so that the comparison stays symmetric
        order = sorted(crossed, key=_ORDER.__getitem__)
        return (order[0], order[1])
    return straight


_BOTH_EXACT = (Level.EXACT, Level.EXACT)
_ORDER = {Level.EXACT: 0, Level.CLOSE: 1, Level.ABSENT: 2, Level.DIFFERENT: 3}


def _rank(levels: tuple[Level, Level]) -> tuple[int, int]:
    x, y = _ORDER[levels[0]], _ORDER[levels[1]]
    return (x + y, min(x, y))


def name_level(a: str, b: str) -> Level:
    """Names: exact; close when a slip, a sound-alike or one a part of the other; else different."""
    if not a or not b:
        return Level.ABSENT
    return _name_level(a, b)


@lru_cache(maxsize=262_144)  # pure, and the same names meet again and again
def _name_level(a: str, b: str) -> Level:
    ja, jb = a.replace(" ", ""), b.replace(" ", "")
    if ja == jb:
        return Level.EXACT
    if (
        JaroWinkler.similarity(ja, jb) >= NAME_CLOSE
        or DamerauLevenshtein.distance(ja, jb) <= 1
        or jellyfish.metaphone(ja) == jellyfish.metaphone(jb)
        or _part_of(a, b)
        or _nicknames(ja, jb)
    ):
        return Level.CLOSE
    return Level.DIFFERENT


def _nicknames(a: str, b: str) -> bool:
    """One English name a nickname of the other, or both of one name (Bill, Will, William)."""
    return (
        b in _nicknames_of(a)
        or a in _nicknames_of(b)
        or bool(_canonicals_of(a) & _canonicals_of(b))
    )


@cache
def _namer() -> NickNamer:
    return NickNamer()  # the package's curated table of English names (Apache-2.0), read once


@cache
def _nicknames_of(name: str) -> frozenset[str]:
    return frozenset(_namer().nicknames_of(name))


@cache
def _canonicals_of(name: str) -> frozenset[str]:
    return frozenset(_namer().canonicals_of(name))


def canonical_names(name: str) -> frozenset[str]:
    """The full English names a given name is a nickname of ("tom" -> thomas, tomas)."""
    return _canonicals_of(name)


def _part_of(a: str, b: str) -> bool:
    """One name is a whole word of the other ("mary" in "mary ann")."""
    wa, wb = set(a.split()), set(b.split())
    return len(wa) != len(wb) and (wa <= wb or wb <= wa)


def date_level(a: str, b: str) -> Level:
    """Birth dates: exact; close for day and month swapped or one slip of a digit."""
    if not a or not b:
        return Level.ABSENT
    if a == b:
        return Level.EXACT
    if a[:4] == b[:4] and (a[5:7], a[8:10]) == (b[8:10], b[5:7]):
        return Level.CLOSE
    if DamerauLevenshtein.distance(a.replace("-", ""), b.replace("-", "")) <= 1:
        return Level.CLOSE
    return Level.DIFFERENT


def street_level(a: str, b: str) -> Level:
    """Street lines: exact; close when the same words nearly, in any order; else different."""
    if not a or not b:
        return Level.ABSENT
    if a == b:
        return Level.EXACT
    if fuzz.token_sort_ratio(a, b) >= STREET_CLOSE:
        return Level.CLOSE
    return Level.DIFFERENT


def code_level(a: str, b: str) -> Level:
    """Postcodes: exact; close for one slip; else different."""
    if not a or not b:
        return Level.ABSENT
    if a == b:
        return Level.EXACT
    return Level.CLOSE if DamerauLevenshtein.distance(a, b) <= 1 else Level.DIFFERENT


def equal_level(a: str, b: str) -> Level:
    """Values with no near miss (gender): exact or different."""
    if not a or not b:
        return Level.ABSENT
    return Level.EXACT if a == b else Level.DIFFERENT
