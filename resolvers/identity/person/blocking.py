"""Blocking keys: the few keys under which a record's possible matches are stored and found.

Two records are compared only when they share a key, so finding candidates is a lookup by
key, never a scan. Each key combines two traits, so one typo still leaves another key shared.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence

import jellyfish

from resolvers.identity.person.compare import canonical_names
from resolvers.identity.person.record import PersonRecord

# the fields each kind of key is built from: training leaves them out of the pairs a key made
KEY_FIELDS = {
    "ny": ("last_name", "birth_date", "first_name"),
    "d": ("birth_date",),
    "nn": ("first_name", "last_name"),
    "pn": ("postcode", "first_name", "last_name"),
    "gm": ("first_name", "birth_date"),
    "pf": ("postcode", "last_name"),
}


# The first `block_limit` records by id filed under a key are its members: a record uses a
# key only while fewer than `block_limit` records with smaller ids are filed under it, and
# meets under it only the key's members. Past the limit a key holds a common name or date
# (hundreds of 陳怡君), whose later records would meet an arbitrary sample at a cost growing
# with the store. Membership is a fact about the records, not about how full the store was
# when one arrived, and it is symmetric: a fresh build and a re-resolution pair the same
# records whenever ids rise with arrival, in the byte order of the id strings.


def closed_keys(
    filings: Mapping[str, Sequence[str]],
    members: Mapping[str, Sequence[str]],
    limit: int,
    *,
    filed: bool,
) -> set[tuple[str, str]]:
    """The (key, record id) filings a record may not use: ``limit`` or more records with
    smaller ids are filed under the key.

    ``filings`` maps the ids of the records being matched to their keys; ``members`` holds
    each key's first ``limit`` ids in the store (``block_members``). Unless the records are
    ``filed`` already, those with smaller ids count for the others too, so that a batch
    gives what the same records one at a time give.
    """
    by_key: dict[str, list[str]] = {}
    for oid, keys in filings.items():
        for key in keys:
            by_key.setdefault(key, []).append(oid)
    closed = set()
    for key, ids in by_key.items():
        stored = members.get(key, ())
        for rank, oid in enumerate(sorted(ids)):
            ahead = bisect_left(stored, oid) + (0 if filed else rank)
            if ahead >= limit:
                closed.add((key, oid))
    return closed


def fields_of(key: str) -> tuple[str, ...]:
    """The fields a blocking key is built from."""
    return KEY_FIELDS[key.split(":", 1)[0]]


def blocking_keys(record: PersonRecord) -> tuple[str, ...]:
    """The record's blocking keys, sorted; none when it says too little to be matched."""
    given = _sound(record.first_name)
    family = _sound(record.last_name)
    year = record.birth_date[:4]
    keys = set()
    if family and year and given:
        # family name's sound, birth year and the given name's first sound: common family
        # names (Chen, Lin, Smith) would otherwise file thousands of records under one key
        keys.add(f"ny:{family}:{year}:{given[0]}")
    if record.birth_date and (given or family):
        keys.add(f"d:{record.birth_date}")  # the whole birth date
    if given and family:
        keys.add("nn:" + ":".join(sorted((given, family))))  # both names, in either order
    if record.postcode and (given or family):
        keys.add(f"pn:{record.postcode}:{given[:2] or family[:2]}")  # postcode and a name
    if given and record.birth_date:
        keys.add(f"gm:{given}:{record.birth_date[5:]}")  # given name and birthday
    if record.postcode and family:
        keys.add(f"pf:{record.postcode}:{family[:2]}")  # postcode and the family name
    if given and family:
        # a nickname is also filed under its full names ("Tom" meets "Thomas")
        for name in _full_names(record.first_name):
            keys.add("nn:" + ":".join(sorted((_sound(name), family))))
    return tuple(sorted(keys))


def _full_names(first_name: str) -> list[str]:
    """The full names an English given name is a nickname of, itself left out (the table
    gives at most 14 distinct sounds for one nickname: "Bert" may be Albert, Herbert,
    Robert...; most give one to three)."""
    first = first_name.split(" ", 1)[0]
    return [n for n in sorted(canonical_names(first)) if n != first]


def _sound(name: str) -> str:
    return jellyfish.metaphone(name.replace(" ", "")) if name else ""
