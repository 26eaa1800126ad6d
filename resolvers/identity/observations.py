"""Observations as channels send them, normalised into evidence or refused field by field."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from resolvers.errors import FieldError, InvalidIdentifier, ValidationFailed
from resolvers.identity.changes import Ignored, Observation
from resolvers.identity.identifiers import Identifier
from resolvers.identity.normalise import Normaliser

MAX_IDENTIFIERS = 50


@dataclass(frozen=True, slots=True)
class RawIdentifier:
    """An identifier as the channel sent it."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class RawObservation:
    """An observation as the channel sent it, already well-formed JSON."""

    id: str
    source: str
    observed_at: datetime
    identifiers: Sequence[RawIdentifier]
    attributes: Mapping[str, Any]


def normalise_observation(raw: RawObservation, normaliser: Normaliser) -> Observation:
    """Normalise every identifier; raise ValidationFailed naming each bad one."""
    errors: list[FieldError] = []
    if raw.observed_at.tzinfo is None:
        errors.append(FieldError(("observed_at",), "naive_datetime", "needs a time zone"))
    if len(raw.identifiers) > MAX_IDENTIFIERS:
        errors.append(
            FieldError(("identifiers",), "too_many", f"at most {MAX_IDENTIFIERS} identifiers")
        )
    found = normalise_identifiers(raw.identifiers, normaliser, errors)
    if not found.identifiers and not errors:
        errors.append(
            FieldError(
                ("identifiers",), "no_identifier", "needs at least one identifier with a value"
            )
        )
    if errors:
        raise ValidationFailed(errors)
    observed_at = raw.observed_at.astimezone(UTC)
    return Observation(
        id=raw.id,
        source=raw.source,
        observed_at=observed_at,
        identifiers=tuple(found.identifiers),
        placeholders=frozenset(found.placeholders),
        attributes=dict(raw.attributes),
        body_hash=body_hash(raw.source, observed_at, found.identifiers, raw.attributes),
        ignored=tuple(found.ignored),
        variants=found.variants,
    )


@dataclass(slots=True)
class Found:
    """Identifiers normalised from a list, with what the normaliser learnt of each."""

    identifiers: list[Identifier] = field(default_factory=list)
    placeholders: set[str] = field(default_factory=set)
    ignored: list[Ignored] = field(default_factory=list)
    variants: dict[str, str] = field(default_factory=dict)


def normalise_identifiers(
    raw: Sequence[RawIdentifier],
    normaliser: Normaliser,
    errors: list[FieldError],
    where: str = "identifiers",
) -> Found:
    """Normalise a list of identifiers in order, without duplicates; errors go to ``errors``."""
    found = Found()
    seen: set[str] = set()
    for index, item in enumerate(raw):
        try:
            out = normaliser.normalise(item.kind, item.value)
        except InvalidIdentifier as error:
            errors.append(error.at(where, index))
            continue
        if out is None:
            found.ignored.append(Ignored(index, item.kind, "no value (empty or a 'none' token)"))
            continue
        for normalised in out:
            key = normalised.identifier.key
            if key in seen:
                continue
            seen.add(key)
            found.identifiers.append(normalised.identifier)
            if normalised.placeholder:
                found.placeholders.add(key)
            if normalised.variant:
                found.variants[key] = normalised.variant
    return found


def body_hash(
    source: str,
    observed_at: datetime,
    identifiers: Sequence[Identifier],
    attributes: Mapping[str, Any],
) -> str:
    """A digest of what an observation says, so a retry with the same id is recognised."""
    document = {
        "source": source,
        "observed_at": observed_at.isoformat(),
        "identifiers": sorted(i.key for i in identifiers),
        "attributes": attributes,
    }
    encoded = orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()
