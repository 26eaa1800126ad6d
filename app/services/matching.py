"""Person evidence inside a stitch: file each record under its blocking keys, score it against
the records sharing a key, and write the links the scores propose (resolvers/identity/person)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from app.engine import Engine
from app.services.evidence import reresolve
from app.store.protocol import GraphWriter, Pair, StoredObservation
from resolvers.identity.changes import ChangeSet, Observation
from resolvers.identity.evidence import LinkRecord, LinkState
from resolvers.identity.person import filing
from resolvers.identity.person.blocking import closed_keys
from resolvers.identity.person.proposals import (
    PersonEvidence,
    anchor_of,
    evidence_of,
    keeping,
    link_changes,
    propose,
    record_evidence,
    relink,
    review_reason,
)
from resolvers.identity.person.record import person_record
from resolvers.identity.person.scoring import score
from resolvers.identity.resolution import dead_reason

MATCH_REASON = "joined by person evidence (names, birth date, address)"
RECORDS_READ = 1000  # records of a link's two ends read to score it again


def match_in(
    tx: GraphWriter, engine: Engine, observations: Sequence[Observation], actor: str
) -> ChangeSet | None:
    """Propose person-evidence links for freshly stored observations; re-resolve what they join.

    Answers the re-resolution's changes, or None when nothing needed re-resolving.
    """
    policy = engine.policy
    if not policy.match.enabled or not observations:
        return None
    fresh: list[PersonEvidence] = []
    for obs in observations:
        found = record_evidence(obs.id, obs.observed_at, obs.keys, obs.attributes, policy)
        if found is not None:
            fresh.append(found)
    if not fresh:
        return None
    now = engine.clock()
    # read what was filed before this batch, then file the batch: its own records are compared
    # in memory (propose), never read back from the store
    filings = {e.id: e.blocks for e in fresh}
    stored, usable, parsed = candidates(tx, filings, engine, filed=False)
    if engine.keep_person_evidence:
        tag = filing.tag_of(policy)
        parsed.update((e.id, filing.encode(e, tag)) for e in fresh)
    tx.apply(ChangeSet(at=now, person_blocks=filings, person_evidence=parsed))
    fresh = [keeping(e, usable[e.id]) for e in fresh]
    proposals = propose(fresh, stored, policy)
    if not proposals:
        return None
    changes = link_changes(proposals, tx.links(proposals.keys()))
    if not changes.links:
        return None
    ends = tx.identifiers({k for pair in changes.joins for k in pair}) if changes.joins else {}
    joins = set()
    for pair in changes.joins:
        dead = next((ends[k] for k in pair if not ends[k].live), None)
        if dead is None:
            joins.add(pair)
            continue
        # A record's anchor may be a value that may not link (a placeholder, a shared line):
        # canonical resolution refuses the link, so say that now and re-resolve nothing. A
        # dead seed would be expanded, and a placeholder such as none@none.com reaches tens of
        # thousands of records' identifiers.
        changes.links[pair] = replace(
            changes.links[pair], state=LinkState.REJECTED, reason=dead_reason(dead)
        )
    tx.apply(ChangeSet(at=now, links=changes.links, new_links=changes.new))
    if not joins:
        return None
    customers = tx.customers({s.customer_id for s in ends.values() if s.customer_id})
    seeds: set[str] = set()
    for a, b in sorted(joins):
        ca, cb = ends[a].customer_id, ends[b].customer_id
        settled = ca is not None and ca == cb and customers[ca].conflicts == 0
        if not settled:
            seeds.update((a, b))
    if not seeds:
        return None
    return reresolve(tx, engine, seeds, (), actor=actor, reason=MATCH_REASON)


def candidates(
    tx: GraphWriter, filings: Mapping[str, Sequence[str]], engine: Engine, *, filed: bool
) -> tuple[list[PersonEvidence], dict[str, set[str]], dict[str, str]]:
    """The person evidence of the members of the keys these records (record id -> keys) may
    use, each under the keys it is a member of; by record id, the keys each of these records
    may use: not those with ``block_limit`` or more smaller ids filed under them
    (``closed_keys``); and the evidence texts to keep for members that had none under the
    policy in force (parsed here from their observations), for the caller to write (none
    when the engine keeps no evidence).

    A member's evidence is read as kept (``filing``); only a member without it is read
    from its observation and parsed.
    """
    policy = engine.policy
    limit = policy.match.block_limit
    members = tx.block_members({k for keys in filings.values() for k in keys}, limit)
    closed = closed_keys(filings, members, limit, filed=filed)
    usable = {oid: {k for k in keys if (k, oid) not in closed} for oid, keys in filings.items()}
    offered: dict[str, set[str]] = {}
    for keys in usable.values():
        for key in keys:
            for member in members.get(key, ()):
                if member not in filings:
                    offered.setdefault(member, set()).add(key)
    tag = filing.tag_of(policy)
    found: dict[str, PersonEvidence] = {}
    for oid, text in tx.person_evidence(offered).items():
        kept = filing.decode(text, tag, oid, offered[oid])
        if kept is not None:
            found[oid] = kept
    unread = [oid for oid in offered if oid not in found]
    parsed: dict[str, str] = {}
    for record in tx.stored_observations(unread):
        evidence = record_evidence(
            record.id, record.observed_at, record.identifiers, record.attributes, policy
        )
        if evidence is not None:
            if engine.keep_person_evidence:
                parsed[record.id] = filing.encode(evidence, tag)
            found[record.id] = keeping(evidence, offered[record.id])
    return [found[oid] for oid in sorted(found)], usable, parsed


def file_page(
    tx: GraphWriter, engine: Engine, after: str, size: int, every_record: int
) -> tuple[str | None, int]:
    """File the records of the next page of identifiers under their blocking keys
    (idempotent): the page's last key (None past the end) and the filings written.

    A re-resolution counts a key's members among the records filed, so every walk that
    re-makes person links (``c360 reresolve``, a policy preview) files every record first:
    records stored while matching was off, or before person evidence existed, have none,
    and a page walked early would take a place a record of a later page holds.
    """
    keys = tx.identifier_keys(after, size)
    if not keys:
        return None, 0
    policy = engine.policy
    tag = filing.tag_of(policy)
    filings, texts = {}, {}
    for record in tx.observations_of(keys, every_record):
        found = record_evidence(
            record.id, record.observed_at, record.identifiers, record.attributes, policy
        )
        if found is not None:
            filings[record.id] = found.blocks
            if engine.keep_person_evidence:
                texts[record.id] = filing.encode(found, tag)
    if filings:
        tx.apply(ChangeSet(at=engine.clock(), person_blocks=filings, person_evidence=texts))
    return keys[-1], len(filings)


def file_all(engine: Engine, page_size: int, every_record: int) -> int:
    """``file_page`` over the whole store, a page a transaction; the filings written."""
    after: str | None = ""
    filed = 0
    while after is not None:

        def work(tx: GraphWriter, start: str = after) -> tuple[str | None, int]:
            return file_page(tx, engine, start, page_size, every_record)

        after, written = engine.store.write(work)
        filed += written
    return filed


def rematch_in(
    tx: GraphWriter,
    engine: Engine,
    anchors: Collection[str],
    records: Sequence[StoredObservation],
    links: Mapping[Pair, LinkRecord],
    now: datetime,
) -> set[str]:
    """Make the person links of these anchors again under the policy in force (a reresolve).

    ``records`` must hold every record carrying an anchor and ``links`` every link touching
    one, and every stored record must be filed (``file_page``). Answers the identifier keys
    whose links changed, to re-resolve.
    """
    policy = engine.policy
    owned: list[PersonEvidence] = []
    for record in records:
        anchor = anchor_of(record.identifiers, policy)
        if anchor in anchors:
            found = evidence_of(
                record.id, record.observed_at, anchor, person_record(record.attributes)
            )
            if found is not None:
                owned.append(found)
    proposals = {}
    parsed: dict[str, str] = {}
    if policy.match.enabled and owned:
        filings = {e.id: e.blocks for e in owned}
        stored, usable, parsed = candidates(tx, filings, engine, filed=True)
        owned = [keeping(e, usable[e.id]) for e in owned]
        proposals = propose(owned, stored, policy)
    changes = relink(set(anchors), proposals, links)
    if changes.links or changes.deleted or parsed:
        tx.apply(
            ChangeSet(
                at=now,
                links=changes.links,
                new_links=changes.new,
                deleted_links=changes.deleted,
                person_evidence=parsed,
            )
        )
    return {k for pair in changes.joins for k in pair}


def restored(tx: GraphWriter, engine: Engine, link: LinkRecord) -> LinkRecord:
    """A cut person-evidence link given back to the policy: matched when its records score
    above the upper threshold under the policy in force, else a proposal for review."""
    ids = [oid for _, oid in link.observations]
    stored = {o.id: o for o in tx.observations_of([link.a, link.b], RECORDS_READ)}
    rule = engine.policy.match
    decision = "review"
    scored = None
    if len(ids) == 2 and all(i in stored for i in ids):
        a, b = (person_record(stored[i].attributes) for i in ids)
        scored = score(a, b, rule)
        decision = "match" if scored.decision(rule) == "match" else "review"
    if decision == "match":
        return replace(link, state=LinkState.MATCHED, reason=None)
    reason = review_reason(scored) if scored else "review: person evidence (records unreadable)"
    return replace(link, state=LinkState.REJECTED, reason=reason)
