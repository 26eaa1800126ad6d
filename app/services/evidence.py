"""Loading an evidence component and re-resolving it: the slow path, shared by every use case."""

from __future__ import annotations

import logging
from collections.abc import Collection

from app.engine import Engine
from app.store.protocol import GraphReader, GraphWriter, Pair, TornRead
from resolvers.customer360 import feed
from resolvers.identity.changes import ChangeSet
from resolvers.identity.evidence import CustomerState, IdentifierState, LinkRecord
from resolvers.identity.reconcile import Evidence, plan, reconcile

log = logging.getLogger(__name__)
LARGE_COMPONENT = 20_000


def load_evidence(
    tx: GraphReader,
    keys: Collection[str],
    customer_ids: Collection[str] = (),
    *,
    set_aside: bool = False,
) -> Evidence:
    """The evidence components that hold these identifiers and customers, whole.

    Breadth-first over candidate links (not suppressed, not a proposal awaiting review, both
    ends live), a whole customer at a time. Seed identifiers that no longer link (just turned
    generic or blocked) are expanded once more, so that what they used to join is re-resolved
    too. Dead identifiers a link reaches are loaded for the reason of its rejection, never
    expanded; one that still names a customer brings that customer in whole.

    Links set aside join nothing and canonical resolution leaves them out, so they are not
    read (a store of millions holds more proposals than joining links) unless ``set_aside``
    asks for them too (to explain what keeps two identifiers apart).
    """
    read_links = tx.links_touching if set_aside else tx.weighed_links_touching
    seeds = set(keys)
    states: dict[str, IdentifierState] = {}
    links: dict[Pair, LinkRecord] = {}
    component: set[str] = set()
    loaded_customers: set[str] = set()
    queue_keys, queue_customers = set(keys), set(customer_ids)
    while queue_keys or queue_customers:
        fresh_customers = queue_customers - loaded_customers
        loaded_customers |= fresh_customers
        for key, state in tx.members(fresh_customers).items():
            states.setdefault(key, state)
            queue_keys.add(key)
        states.update(tx.identifiers([k for k in queue_keys if k not in states]))
        new = sorted(k for k in queue_keys if k in states and k not in component)
        component.update(new)
        queue_keys, queue_customers = set(), set()
        for key in new:
            owner = states[key].customer_id
            if owner is not None and owner not in loaded_customers:
                queue_customers.add(owner)
        expand = [k for k in new if states[k].live or k in seeds]
        if not expand:
            continue
        touching = read_links(expand)
        states.update(tx.identifiers({k for p in touching for k in p if k not in states}))
        for pair, link in touching.items():
            links[pair] = link
            if link.set_aside:
                # canonical resolution leaves it out, so it joins nothing to re-resolve (review
                # proposals chained common names into components of tens of thousands)
                continue
            if pair[0] not in states or pair[1] not in states:
                raise TornRead(f"a link names an identifier the transaction cannot read: {pair}")
            a, b = states[pair[0]], states[pair[1]]
            for dead in (a, b):
                owner = None if dead.live else dead.customer_id
                if owner is not None and owner not in loaded_customers:
                    # a dead identifier still naming a customer (drift): that customer is
                    # resolved whole here, never deleted from under its other identifiers
                    queue_customers.add(owner)
            joinable = a.live and b.live
            for this, other in ((a, b), (b, a)):
                if other.key not in component and other.live and (joinable or this.key in seeds):
                    queue_keys.add(other.key)
    if len(component) > LARGE_COMPONENT:
        log.warning("re-resolving a large evidence component: %d identifiers", len(component))
    known = {k: s for k, s in states.items() if k in component or not s.live}
    kept = {p: link for p, link in links.items() if p[0] in known and p[1] in known}
    owners = {s.customer_id for k, s in known.items() if s.customer_id is not None}
    return Evidence(known, kept, owned_customers(tx, owners, customer_ids))


def owned_customers(
    tx: GraphReader, owners: Collection[str], also: Collection[str] = ()
) -> dict[str, CustomerState]:
    """The customers identifiers point at (and ``also`` those, if they exist), in one read.

    Every owner must be readable: one that is not is a torn read, never a KeyError later.
    """
    customers = tx.customers({*owners, *also})
    missing = sorted(set(owners) - customers.keys())
    if missing:
        raise TornRead(f"identifiers point at customers the transaction cannot read: {missing}")
    return customers


def reresolve(
    tx: GraphWriter,
    engine: Engine,
    keys: Collection[str],
    customer_ids: Collection[str],
    *,
    actor: str,
    reason: str,
) -> ChangeSet:
    """Re-resolve the evidence components of these identifiers and customers; write the result."""
    evidence = load_evidence(tx, keys, customer_ids)
    planned = plan(evidence, engine.policy)
    candidates = planned.candidate_ids()
    taken = tx.live_customer_ids(candidates) - set(evidence.customers) if candidates else set()
    changes = reconcile(
        evidence,
        planned,
        engine.policy,
        now=engine.clock(),
        actor=actor,
        reason=reason,
        taken=taken,
    )
    changes.feed.extend(feed.of_audit(changes.audit))
    tx.apply(changes)
    return changes
