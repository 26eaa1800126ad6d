"""Stable customer ids: derived from the founding identifier, inherited through merges, splits."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resolvers.identity.evidence import CustomerState, IdentifierState, anchor_order
from resolvers.identity.policy import MergePolicy
from resolvers.identity.resolution import Part

PREFIX = "c_"


def derive_id(anchor_key: str, attempt: int = 0) -> str:
    """The id a customer founded by ``anchor_key`` takes (a later attempt after a clash)."""
    data = anchor_key if attempt == 0 else f"{anchor_key}#{attempt}"
    digest = hashlib.blake2b(data.encode(), digest_size=10).digest()
    return PREFIX + base64.b32encode(digest).decode().lower()


def looks_like_id(text: str) -> bool:
    """Whether a string has the shape of a customer id."""
    return len(text) == len(PREFIX) + 16 and text.startswith(PREFIX) and text[2:].isalnum()


@dataclass(frozen=True, slots=True)
class Succession:
    """Which old customer id each resolved part carries on, and what became of the rest."""

    part_ids: tuple[str | None, ...]
    absorbed: Mapping[str, str]
    dissolved: tuple[str, ...]


def succession(
    parts: Sequence[Part],
    old_customers: Mapping[str, CustomerState],
    members: Mapping[str, Sequence[IdentifierState]],
    policy: MergePolicy,
) -> Succession:
    """Give each old id to the part that holds its oldest surviving evidence.

    A part that inherits several ids keeps the one whose customer is oldest and absorbs the
    others; a part that inherits none needs a new id (None here); an old customer none of
    whose members is live any more is dissolved.
    """
    part_of = {key: i for i, part in enumerate(parts) for key in part.members}
    heirs: dict[int, list[str]] = {}
    dissolved = []
    for customer_id in sorted(old_customers):
        surviving = [s for s in members.get(customer_id, ()) if s.key in part_of]
        if not surviving:
            dissolved.append(customer_id)
            continue
        oldest = min(surviving, key=lambda s: anchor_order(s, policy))
        heirs.setdefault(part_of[oldest.key], []).append(customer_id)
    part_ids: list[str | None] = []
    absorbed: dict[str, str] = {}
    for i in range(len(parts)):
        ids = sorted(heirs.get(i, ()), key=lambda c: old_customers[c].anchor_order(policy))
        if not ids:
            part_ids.append(None)
            continue
        part_ids.append(ids[0])
        for other in ids[1:]:
            absorbed[other] = ids[0]
    return Succession(tuple(part_ids), absorbed, tuple(dissolved))
