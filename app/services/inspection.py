"""What stewards look at: a customer's merge graph, why two identifiers are together, history."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import networkx as nx

from app.engine import Engine
from app.errors import NotFound
from app.services.customers import find_customer, identifier_key
from app.services.evidence import load_evidence
from app.store.protocol import AuditRecord, GraphReader, Pair
from resolvers.identity.evidence import JOINING, IdentifierState, LinkRecord, link_rank
from resolvers.identity.observations import RawIdentifier
from resolvers.identity.person import person_record, score

HISTORY_PAGE = 50
RECORDS_READ = 1000  # records of a link's two ends read to explain a person-evidence link


def link_view(link: LinkRecord, person: dict[str, Any] | None = None) -> dict[str, Any]:
    """A link as stewards read it; ``person``: how person evidence scores it, for such links."""
    return {
        "a": link.a,
        "b": link.b,
        "state": link.state.value,
        "reason": link.reason,
        "count": link.count,
        "first_seen_at": link.first_seen_at,
        "last_seen_at": link.last_seen_at,
        "sources": list(link.sources),
        "observations": [oid for _, oid in link.observations],
        "decided_by": link.decided_by,
        "decided_at": link.decided_at,
        "person_evidence": person,
    }


def person_view(tx: GraphReader, engine: Engine, link: LinkRecord) -> dict[str, Any] | None:
    """A person-evidence link's two records compared under the policy in force, field by field.

    The records are the pair that proposed the link (its observation sample); None for links
    observations made, or when those records cannot be read.
    """
    if not link.by_person:
        return None
    ids = [oid for _, oid in link.observations]
    stored = {o.id: o for o in tx.observations_of([link.a, link.b], RECORDS_READ)}
    if len(ids) != 2 or not all(i in stored for i in ids):
        return None
    rule = engine.policy.match
    scored = score(
        person_record(stored[ids[0]].attributes), person_record(stored[ids[1]].attributes), rule
    )
    return {
        "records": ids,
        "match_key": scored.match_key,
        "total": scored.total,
        "decision": scored.decision(rule),
        "upper": rule.upper,
        "lower": rule.lower,
        "fields": [
            {"field": f.field, "level": f.level.value, "weight": f.weight} for f in scored.fields
        ],
    }


def identifier_view(state: IdentifierState) -> dict[str, Any]:
    """An identifier node as stewards read it."""
    return {
        "key": state.key,
        "kind": state.kind,
        "variant": state.variant or None,
        "role": state.role.value,
        "status": state.status.value,
        "status_reason": state.status_reason,
        "customer_id": state.customer_id,
        "first_seen_at": state.first_seen_at,
        "last_seen_at": state.last_seen_at,
        "seen_with": state.neighbours,
        "traits": {k: list(v) for k, v in state.traits.items()},
    }


def customer_graph(engine: Engine, customer_id: str) -> dict[str, Any]:
    """The customer's identifiers and every link touching them, with states and evidence.

    ``bridges`` are links whose cut would split the customer: the first place to look when a
    merge seems wrong.
    """

    def read(tx: GraphReader) -> dict[str, Any]:
        customer = find_customer(tx, customer_id)
        members = tx.members([customer.id])
        links = tx.links_touching(list(members))
        outside = {k for pair in links for k in pair if k not in members}
        neighbours = tx.identifiers(outside)
        graph = nx.Graph()
        graph.add_nodes_from(members)
        for link in links.values():
            if link.state in JOINING and link.a in members and link.b in members:
                graph.add_edge(link.a, link.b)
        bridges = sorted(tuple(sorted(edge)) for edge in nx.bridges(graph))
        return {
            "customer_id": customer.id,
            "requested_id": customer_id,
            "anchor": customer.anchor_key,
            "size": customer.size,
            "kind_counts": customer.kind_counts,
            "identifiers": [identifier_view(members[k]) for k in sorted(members)],
            "neighbours": [identifier_view(neighbours[k]) for k in sorted(neighbours)],
            "links": [
                link_view(links[p], person_view(tx, engine, links[p])) for p in sorted(links)
            ],
            "bridges": [list(b) for b in bridges],
        }

    return engine.store.read(read)


@dataclass(frozen=True, slots=True)
class Explanation:
    """The chain of evidence joining two identifiers, or what keeps them apart."""

    a: str
    b: str
    joined: bool
    customer_id: str | None
    path: list[dict[str, Any]]
    summary: str


def explain(engine: Engine, customer_id: str, a: RawIdentifier, b: RawIdentifier) -> Explanation:
    """Why two identifiers share a customer: the strongest chain of active links between them.

    When they are apart, the chain through every link seen (rejected or cut ones too) shows
    which link keeps them apart and why.
    """
    key_a, key_b = identifier_key(engine, a, ("a",)), identifier_key(engine, b, ("b",))

    def read(tx: GraphReader) -> Explanation:
        customer = find_customer(tx, customer_id)
        states = tx.identifiers([key_a, key_b])
        for key in (key_a, key_b):
            if key not in states:
                raise NotFound(f"identifier {key} is unknown", code="identifier_not_found")
        same = states[key_a].customer_id == states[key_b].customer_id == customer.id
        if same:
            members = tx.members([customer.id])
            links = {
                p: link
                for p, link in tx.links_touching(list(members)).items()
                if link.state in JOINING and p[0] in members and p[1] in members
            }
        else:
            seeds = [k for k in (key_a, key_b) if states[k].customer_id is not None]
            evidence = load_evidence(tx, [key_a, key_b], [customer.id, *seeds], set_aside=True)
            links = dict(evidence.links)
            links.update(tx.links_touching([key_a, key_b]))
        path = _strongest_path(links, key_a, key_b, engine)
        for step in path:
            link = links[(step["a"], step["b"])]
            step["person_evidence"] = person_view(tx, engine, link)
        if same:
            summary = f"{key_a} and {key_b} are joined through {len(path)} link(s)"
        elif path:
            blocking = [
                step for step in path if step["state"] not in ("active", "manual", "matched")
            ]
            why = "; ".join(f"{s['a']} - {s['b']}: {s['reason'] or s['state']}" for s in blocking)
            summary = f"{key_a} and {key_b} are in different customers: {why}"
        else:
            summary = f"no evidence ever connected {key_a} and {key_b}"
        return Explanation(key_a, key_b, same, customer.id if same else None, path, summary)

    return engine.store.read(read)


def _strongest_path(
    links: dict[Pair, LinkRecord], a: str, b: str, engine: Engine
) -> list[dict[str, Any]]:
    """Fewest links, preferring strong, old, joining links; deterministic."""
    graph = nx.Graph()
    for (x, y), link in sorted(links.items()):
        rank = link_rank(link, engine.policy)
        penalty = 0 if link.state in JOINING else 1000
        # strength is negative in the rank: stronger links weigh less
        graph.add_edge(x, y, weight=1 + penalty + (1000 + rank[0]) / 1000, link=link)
    if a not in graph or b not in graph or not nx.has_path(graph, a, b):
        return []
    nodes = nx.shortest_path(graph, a, b, weight="weight")
    steps = []
    for x, y in itertools.pairwise(nodes):
        steps.append(link_view(graph.edges[x, y]["link"]))
    return steps


def history(
    engine: Engine, customer_id: str, limit: int = HISTORY_PAGE, before: int | None = None
) -> tuple[str, list[AuditRecord]]:
    """Audit entries of a customer and of every id it absorbed, newest first."""

    def read(tx: GraphReader) -> tuple[str, list[AuditRecord]]:
        customer = find_customer(tx, customer_id)
        absorbed = tx.absorbed_into(customer.id)
        return customer.id, tx.history([customer.id, *absorbed], limit, before)

    return engine.store.read(read)


def conflicts(engine: Engine, limit: int, after: Pair | None) -> list[LinkRecord]:
    """Links refused by a limit, a trait clash or an attach rule: the stewards' review queue."""
    return engine.store.read(lambda tx: tx.conflicts(limit, after))


def audit_view(record: AuditRecord) -> dict[str, Any]:
    """An audit record as JSON."""
    entry = record.entry
    return {
        "seq": record.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "reason": entry.reason,
        "customer_ids": list(entry.customer_ids),
        "before": dict(entry.before),
        "after": dict(entry.after),
    }


def explanation_view(explanation: Explanation) -> dict[str, Any]:
    """An explanation as JSON."""
    return {
        "a": explanation.a,
        "b": explanation.b,
        "joined": explanation.joined,
        "customer_id": explanation.customer_id,
        "path": explanation.path,
        "summary": explanation.summary,
    }
