"""A record's person evidence as the store keeps it beside its filings, so that a later batch
meeting the record as a candidate reads its parsed evidence instead of decoding the stored
observation and normalising its names and address again.

What is kept is derived data: a function of the record's identifiers and attributes (both
immutable once stored), of the parsing code and of the policy's trust order of kinds (the
anchor). Every text carries a tag of the last two; a text under another tag is not read
(``decode`` answers None) and the record is parsed from its observation, as before any text
was kept. So a policy that ranks kinds otherwise, or a release that parses otherwise, is
never answered from stale evidence; ``c360 reresolve`` files every record again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime

import orjson

from resolvers.identity.person.proposals import PersonEvidence
from resolvers.identity.person.record import PersonRecord
from resolvers.identity.policy import MergePolicy

# Bump whenever person_record, blocking_keys or anchor_of would answer otherwise for any
# input: texts kept under the old version are then parsed again from their observations.
# tests/unit/test_person_filing.py pins what this version parses, and fails until it is bumped.
PARSE_VERSION = 1


def tag_of(policy: MergePolicy) -> str:
    """The parse version and the policy's trust order of kinds, which choose the anchor."""
    ranks = ",".join(f"{kind}={policy.priority(kind)}" for kind in sorted(policy.kinds))
    return f"{PARSE_VERSION}:{hashlib.blake2b(ranks.encode(), digest_size=8).hexdigest()}"


def encode(evidence: PersonEvidence, tag: str) -> str:
    """The text a store keeps for this evidence."""
    r = evidence.record
    return orjson.dumps(
        [
            tag,
            evidence.observed_at.isoformat(),
            evidence.anchor,
            r.first_name,
            r.last_name,
            r.birth_date,
            r.gender,
            r.street,
            r.city,
            r.postcode,
            r.country,
            evidence.blocks,
        ]
    ).decode()


def decode(text: str, tag: str, id: str, usable: Collection[str]) -> PersonEvidence | None:
    """The evidence of record ``id`` under those of its blocking keys it may use (``usable``,
    as ``proposals.keeping``), or None when the text was kept under another tag or is not
    one this module wrote."""
    try:
        parts = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parts, list) or len(parts) != 12 or parts[0] != tag:
        return None
    (_, at, anchor, first, last, born, gender, street, city, postcode, country, blocks) = parts
    return PersonEvidence(
        id=id,
        observed_at=datetime.fromisoformat(at),
        anchor=anchor,
        record=PersonRecord(first, last, born, gender, street, city, postcode, country),
        blocks=tuple(b for b in blocks if b in usable),
    )
