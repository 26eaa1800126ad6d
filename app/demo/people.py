"""The demo people as their channel records describe them: identifiers and facts per person."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.demo.channels import GeneratedObservation
from app.demo.world import PLACEHOLDER_EMAILS, PLACEHOLDER_PHONES
from resolvers.identity.observations import RawIdentifier

# -- people, from their observations -----------------------------------------------------------

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_SHARED = ""


@dataclass(slots=True)
class PersonRecords:
    """What a person's channel records say: identifiers by kind, sources and a few facts."""

    person_id: str
    observations: int = 0
    first_seen: str = ""
    sources: set[str] = field(default_factory=set)
    values: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, raw) -> key
    ids: dict[str, list[RawIdentifier]] = field(default_factory=dict)
    opt_in: bool | None = None
    language: str | None = None
    birth_date: str | None = None
    stores: list[str] = field(default_factory=list)
    warranties: list[tuple[str, str, str]] = field(default_factory=list)  # at, model, serial
    bookings: list[tuple[str, str, str | None]] = field(default_factory=list)  # at, service, store


def value_key(kind: str, value: str) -> str:
    """A cheap stand-in for the normalised key, to tell which values several people use."""
    text = value.strip().lower()
    if kind == "email":
        local, _, domain = text.partition("@")
        if domain in ("gmail.com", "googlemail.com"):
            local, domain = local.split("+", 1)[0].replace(".", ""), "gmail.com"
        return f"email:{local}@{domain}"
    if kind in ("phone", "whatsapp_id"):
        digits = "".join(c for c in text.translate(_FULLWIDTH) if c.isdigit())
        return f"phone:{digits[-9:]}"
    if kind == "loyalty_id":
        text = text.replace("-", "").replace(" ", "")
    return f"{kind}:{text}"


def _usable(kind: str, value: str) -> bool:
    """Whether a value looks like one the service accepts (invalid demo values are skipped)."""
    if kind == "email":
        return _EMAIL.match(value.strip()) is not None
    if kind in ("phone", "whatsapp_id"):
        return sum(c.isdigit() for c in value.translate(_FULLWIDTH)) >= 8
    return bool(value.strip())


def people_of(generated: Iterable[GeneratedObservation]) -> list[PersonRecords]:
    """Each person's records, keeping the values that person alone used; by person id."""
    owner: dict[str, str] = {}
    blocked = {value_key("email", e) for e in PLACEHOLDER_EMAILS}
    blocked |= {value_key("phone", p) for p in PLACEHOLDER_PHONES}
    people: dict[str, PersonRecords] = {}
    for g in generated:
        pid, body = g.person_id, g.body
        person = people.get(pid)
        if person is None:
            person = people[pid] = PersonRecords(pid, first_seen=str(body["observed_at"]))
        person.observations += 1
        at, source = str(body["observed_at"]), str(body["source"])
        person.first_seen = min(person.first_seen, at)
        person.sources.add(source)
        attrs: Mapping[str, Any] = body.get("attributes") or {}
        walk_in = attrs.get("walk_in") is True
        for ident in body["identifiers"]:
            kind, value = ident["kind"], ident["value"]
            key = value_key(kind, value)
            if walk_in and kind == "phone":
                blocked.add(key)  # the shop's front-desk phone
            if owner.setdefault(key, pid) != pid:
                owner[key] = _SHARED
            person.values[(kind, value)] = key
        _read_facts(person, source, at, attrs)
    for person in people.values():
        for (kind, value), key in person.values.items():
            if owner[key] == person.person_id and key not in blocked and _usable(kind, value):
                person.ids.setdefault(kind, []).append(RawIdentifier(kind, value))
    return [people[pid] for pid in sorted(people)]


def _read_facts(person: PersonRecords, source: str, at: str, attrs: Mapping[str, Any]) -> None:
    """Keep what the simulation uses: consent, language, birthday, stores, products, bookings."""
    if isinstance(attrs.get("marketing_opt_in"), bool):
        person.opt_in = attrs["marketing_opt_in"]
    if isinstance(attrs.get("preferred_language"), str):
        person.language = attrs["preferred_language"]
    if isinstance(attrs.get("birth_date"), str):
        person.birth_date = attrs["birth_date"]
    store = attrs.get("store") if isinstance(attrs.get("store"), str) else None
    if store:
        person.stores.append(store)
    if source == "warranty" and "product_model" in attrs and "serial_number" in attrs:
        person.warranties.append((at, str(attrs["product_model"]), str(attrs["serial_number"])))
    if source == "booking" and isinstance(attrs.get("service"), str):
        person.bookings.append((at, attrs["service"], store))
