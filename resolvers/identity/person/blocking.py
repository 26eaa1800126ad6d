"""Blocking keys: the few keys under which a record's possible matches are stored and found.

Two records are compared only when they share a key, so finding candidates is a lookup by
key, never a scan. Each key combines two traits, so one typo still leaves another key shared.
"""

from __future__ import annotations

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
