"""Which person-evidence links a batch of records proposes, and what they change in the graph.

Records are paired only when they share a blocking key; a pair is scored, and its decision
(``match`` or ``review``) is carried by a link between the two records' anchors (their most
trusted identifiers). Several record pairs may back one anchor pair: the best decision wins,
a match dates from the earliest pair that makes it, a review keeps the highest score, so the
links are a function of the records whatever order they arrive in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from resolvers.identity.evidence import (
    PERSON_SOURCE,
    REVIEW_PREFIX,
    LinkRecord,
    LinkState,
    pair_of,
)
from resolvers.identity.identifiers import kind_of
from resolvers.identity.person.blocking import blocking_keys
from resolvers.identity.person.record import PersonRecord, person_record
from resolvers.identity.person.scoring import MatchScore, screen
from resolvers.identity.policy import MergePolicy

_REVIEW_SCORE = re.compile(r"scores (-?\d+(?:\.\d+)?)")
Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PersonEvidence:
    """One record's person evidence, with its anchor and blocking keys."""

    id: str
    observed_at: datetime
    anchor: str
    record: PersonRecord
    blocks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Proposal:
    """The best decision the record pairs behind one anchor pair reach."""

    pair: Pair
    decision: str  # "match" or "review"
    score: MatchScore
    first_seen_at: datetime
    sample: tuple[tuple[datetime, str], ...]


def anchor_of(keys: Iterable[str], policy: MergePolicy) -> str | None:
    """The record's most trusted identifier, then the smallest key: where its person links end.

    Chosen from the record alone, never from a value's status of the moment, so that the
    links stay a function of the evidence (a placeholder anchor's links are refused as dead).
    """
    return min(keys, key=lambda k: (-policy.priority(kind_of(k)), k), default=None)


def evidence_of(
    id: str, observed_at: datetime, anchor: str | None, record: PersonRecord
) -> PersonEvidence | None:
    """A record's person evidence, or None when it says too little to be matched."""
    if anchor is None or record.evidence < 2:
        return None
    blocks = blocking_keys(record)
    return PersonEvidence(id, observed_at, anchor, record, blocks) if blocks else None


def record_evidence(
    id: str,
    observed_at: datetime,
    keys: Iterable[str],
    attributes: Mapping[str, Any],
    policy: MergePolicy,
) -> PersonEvidence | None:
    """``evidence_of`` a record from its identifiers and attributes."""
    record = person_record(attributes)
    if record.evidence < 2:
        return None  # evidence_of says so too; this spares working out the anchor
    return evidence_of(id, observed_at, anchor_of(keys, policy), record)


def propose(
    fresh: Sequence[PersonEvidence], stored: Sequence[PersonEvidence], policy: MergePolicy
) -> dict[Pair, Proposal]:
    """Score each fresh record against the records sharing a blocking key with it."""
    rule = policy.match
    by_block: dict[str, list[PersonEvidence]] = {}
    for other in {e.id: e for e in (*stored, *fresh)}.values():
        for block in other.blocks:
            by_block.setdefault(block, []).append(other)
    seen: set[tuple[str, str]] = set()
    out: dict[Pair, Proposal] = {}
    for mine in fresh:
        for block in mine.blocks:
            for other in by_block.get(block, ()):
                ids = (mine.id, other.id) if mine.id < other.id else (other.id, mine.id)
                if other.anchor == mine.anchor or ids in seen:
                    continue
                seen.add(ids)
                first, second = (mine, other) if mine.id < other.id else (other, mine)
                scored = screen(first.record, second.record, rule)
                if scored is None:
                    continue  # it cannot reach the lower threshold
                decision = scored.decision(rule)
                if decision == "none":
                    continue
                pair = pair_of(mine.anchor, other.anchor)
                at = max(mine.observed_at, other.observed_at)
                sample = tuple(
                    sorted(((first.observed_at, first.id), (second.observed_at, second.id)))
                )
                found = Proposal(pair, decision, scored, at, sample)
                out[pair] = _better(out.get(pair), found)
    return out


def keeping(found: PersonEvidence, keys: Collection[str]) -> PersonEvidence:
    """The record's evidence under those of its blocking keys it may use: under the others
    it meets nobody (``closed_keys``; a stored record uses the keys it is a member of)."""
    kept = tuple(b for b in found.blocks if b in keys)
    return found if len(kept) == len(found.blocks) else replace(found, blocks=kept)


def _better(old: Proposal | None, new: Proposal) -> Proposal:
    if old is None:
        return new
    if old.decision != new.decision:
        return old if old.decision == "match" else new
    if new.decision == "match":
        return new if (new.first_seen_at, new.sample) < (old.first_seen_at, old.sample) else old
    return new if (-new.score.total, new.sample) < (-old.score.total, old.sample) else old


def review_reason(scored: MatchScore) -> str:
    """The reason a proposal carries in the review queue: its score and match key, and why
    it is not a match (between the thresholds, or two people of one household, perhaps)."""
    why = (
        "the given names differ where family name and address agree (one household?)"
        if scored.household
        else "between the match thresholds"
    )
    return f"{REVIEW_PREFIX} person evidence scores {scored.total:.2f} ({scored.match_key}), {why}"


def review_score(reason: str | None) -> float | None:
    """The score a proposal's reason records."""
    found = _REVIEW_SCORE.search(reason or "")
    return float(found.group(1)) if found else None


@dataclass(slots=True)
class LinkChanges:
    """Links to write, which of them are new, and the pairs whose customers need resolving."""

    links: dict[Pair, LinkRecord]
    new: set[Pair]
    joins: set[Pair]
    deleted: set[Pair] = field(default_factory=set)


def link_changes(
    proposals: Mapping[Pair, Proposal], existing: Mapping[Pair, LinkRecord]
) -> LinkChanges:
    """What the proposals change: new links, upgraded proposals, earlier matches.

    A link that observations back, or that a steward decided (cut, forced), is never touched:
    a cut matched link stays cut when the same records arrive again.
    """
    out = LinkChanges({}, set(), set())
    for pair, p in sorted(proposals.items()):
        link = existing.get(pair)
        matched = p.decision == "match"
        if link is None:
            out.links[pair] = LinkRecord(
                a=pair[0],
                b=pair[1],
                first_seen_at=p.first_seen_at,
                last_seen_at=p.first_seen_at,
                count=0,
                sources=(PERSON_SOURCE,),
                observations=p.sample,
                state=LinkState.MATCHED if matched else LinkState.REJECTED,
                reason=None if matched else review_reason(p.score),
            )
            out.new.add(pair)
            if matched:
                out.joins.add(pair)
            continue
        if not link.by_person or link.state in (LinkState.SUPPRESSED, LinkState.MANUAL):
            continue
        if link.proposal and matched:
            out.links[pair] = replace(
                link,
                state=LinkState.MATCHED,
                reason=None,
                first_seen_at=p.first_seen_at,
                last_seen_at=p.first_seen_at,
                observations=p.sample,
            )
            out.joins.add(pair)
        elif matched and p.first_seen_at < link.first_seen_at:
            out.links[pair] = replace(link, first_seen_at=p.first_seen_at, observations=p.sample)
            out.joins.add(pair)
        elif link.proposal and not matched:
            old = review_score(link.reason)
            if old is None or p.score.total > old:
                out.links[pair] = replace(
                    link, reason=review_reason(p.score), observations=p.sample
                )
    return out


def relink(
    anchors: Collection[str],
    proposals: Mapping[Pair, Proposal],
    existing: Mapping[Pair, LinkRecord],
) -> LinkChanges:
    """Person links of these anchors made again from all their records' proposals (a policy
    change): what a fresh build under the policy in force would hold.

    ``proposals`` must hold every proposal of every record anchored at ``anchors``, and
    ``existing`` every link touching them. Links no longer proposed are deleted; steward
    decisions and links observations made are kept.
    """
    out = LinkChanges({}, set(), set())
    for pair, old in sorted(existing.items()):
        touches = pair[0] in anchors or pair[1] in anchors
        if touches and _rewritable(old) and pair not in proposals:
            out.deleted.add(pair)
            out.joins.add(pair)
    for pair, p in sorted(proposals.items()):
        link = existing.get(pair)
        matched = p.decision == "match"
        if link is not None and not _rewritable(link):
            continue
        wanted = _fresh(p)
        if link is None:
            out.links[pair] = wanted
            out.new.add(pair)
            if matched:
                out.joins.add(pair)
            continue
        if matched and not link.proposal:
            wanted = replace(wanted, state=link.state, reason=link.reason)  # resolution decides
        if (wanted.state, wanted.reason, wanted.first_seen_at, wanted.observations) != (
            link.state,
            link.reason,
            link.first_seen_at,
            link.observations,
        ):
            out.links[pair] = replace(
                link,
                state=wanted.state,
                reason=wanted.reason,
                first_seen_at=wanted.first_seen_at,
                last_seen_at=wanted.last_seen_at,
                observations=wanted.observations,
            )
            out.joins.add(pair)
    return out


def _rewritable(link: LinkRecord) -> bool:
    return link.by_person and link.state not in (LinkState.SUPPRESSED, LinkState.MANUAL)


def _fresh(p: Proposal) -> LinkRecord:
    matched = p.decision == "match"
    return LinkRecord(
        a=p.pair[0],
        b=p.pair[1],
        first_seen_at=p.first_seen_at,
        last_seen_at=p.first_seen_at,
        count=0,
        sources=(PERSON_SOURCE,),
        observations=p.sample,
        state=LinkState.MATCHED if matched else LinkState.REJECTED,
        reason=None if matched else review_reason(p.score),
    )
