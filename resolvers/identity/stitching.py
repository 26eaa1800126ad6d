"""The fast path: stitch observations into the customers they touch, or hand them on.

A workspace holds the part of the graph a batch touches. Each observation records its
evidence (identifiers, links, the names and neighbours that decide generic values), then
merges the customers its links join when that is provably what resolving the whole evidence
would give: the union respects every limit and attach rule, no value turned generic, and no
link of a customer with a conflict moved earlier in time. Anything else is left to
:mod:`resolvers.identity.reconcile`, which re-resolves the affected evidence component whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from resolvers.identity.changes import ChangeSet, Observation, merged_audit
from resolvers.identity.customer_ids import derive_id
from resolvers.identity.evidence import (
    CustomerState,
    IdentifierState,
    LinkRecord,
    LinkState,
    Status,
    anchor_order,
    pair_of,
)
from resolvers.identity.generic import generic_reason
from resolvers.identity.limits import add_counts, merged_allowance, refusal
from resolvers.identity.policy import MergePolicy, Role
from resolvers.identity.resolution import dead_reason
from resolvers.identity.traits import (
    agreeing,
    clash,
    disagreement,
    merge_traits,
    observed_traits,
    record_traits,
    union,
)
from resolvers.union_find import DisjointSets

PLACEHOLDER_REASON = "matches a placeholder pattern of the policy"


@dataclass(slots=True)
class Outcome:
    """What stitching one observation did on the fast path."""

    observation_id: str
    pairs: list[tuple[str, str]]
    merged: list[str] = field(default_factory=list)
    deferred: bool = False


class Workspace:
    """The touched part of the identity graph, stitched in memory, written as one ChangeSet."""

    def __init__(
        self,
        policy: MergePolicy,
        now: datetime,
        actor: str,
        identifiers: Mapping[str, IdentifierState],
        customers: Mapping[str, CustomerState],
        links: Mapping[tuple[str, str], LinkRecord],
    ) -> None:
        self.policy = policy
        self.now = now
        self.actor = actor
        self.ids = dict(identifiers)
        self.customers = dict(customers)
        self.links = dict(links)
        self.out = ChangeSet(at=now)
        self.seed_keys: set[str] = set()
        self.seed_customers: set[str] = set()
        self._dirty_ids: set[str] = set()
        self._dirty_links: set[tuple[str, str]] = set()
        self._dirty_customers: set[str] = set()
        self._members: dict[str, set[str]] = {}
        for key, state in self.ids.items():
            if state.customer_id is not None:
                self._members.setdefault(state.customer_id, set()).add(key)

    # -- evidence --------------------------------------------------------------------------

    def observe(self, obs: Observation, keep: bool = True) -> Outcome:
        """Record one observation's evidence and stitch it on the fast path where that is safe.

        ``keep=False`` writes the evidence without an observation record (events keep their own).
        """
        if keep:
            self.out.observations.append(obs)
        states = [self._touch(ident.key, ident.kind, obs) for ident in obs.identifiers]
        changed = self._record_traits(states, obs, keep)
        outcome = Outcome(obs.id, [])
        edges: list[LinkRecord] = []
        deferred = False
        for i, a in enumerate(states):
            for b in states[i + 1 :]:
                link, created, earlier = self._link(a, b, obs)
                outcome.pairs.append(link.pair)
                if created:
                    changed.update(self._count_neighbours(a, b))
                    # a new link may reorder how a conflicted component resolves
                    deferred |= a.live and b.live and self._has_conflicts(a, b)
                if link.state is LinkState.SUPPRESSED:
                    continue
                both_live = a.live and b.live
                if link.state is LinkState.REJECTED:
                    deferred |= earlier and both_live and self._has_conflicts(a, b)
                    continue
                edges.append(link)
                deferred |= earlier and self._has_conflicts(a, b)
        for state in states:
            if state.key not in changed:
                continue
            if state.live:
                reason = generic_reason(state, self.policy)
                if reason is not None:
                    self._turn_generic(state, reason)
                    deferred = True
            elif state.status is Status.GENERIC:
                # the evidence grew: say why from all of it, not from what came first
                reason = generic_reason(state, self.policy)
                if reason is None:
                    # the records now show one person behind it: it is personal again
                    state.status, state.status_reason = Status.ACTIVE, None
                    self.seed_keys.add(state.key)
                    deferred = True
                else:
                    state.status_reason = reason
                self._dirty_ids.add(state.key)
        for link in edges:
            a, b = self.ids[link.a], self.ids[link.b]
            if not (a.live and b.live) and link.state is LinkState.ACTIVE:
                dead = a if not a.live else b
                link.state = LinkState.REJECTED
                link.reason = dead_reason(dead)
        live = [s for s in states if s.live]
        if not deferred:
            deferred = not self._stitch(
                live, [e for e in edges if e.state is not LinkState.REJECTED], obs, outcome
            )
        if deferred:
            outcome.deferred = True
            self.seed_keys.update(s.key for s in live)
            self.seed_customers.update(s.customer_id for s in live if s.customer_id)
        return outcome

    def _touch(self, key: str, kind: str, obs: Observation) -> IdentifierState:
        state = self.ids.get(key)
        at = obs.observed_at
        if state is None:
            placeholder = key in obs.placeholders
            variant = obs.variants.get(key, "")
            rule = self.policy.rule_of(kind, variant)
            state = IdentifierState(
                key=key,
                kind=kind,
                first_seen_at=at,
                last_seen_at=at,
                status=Status.PLACEHOLDER if placeholder else Status.ACTIVE,
                status_reason=PLACEHOLDER_REASON if placeholder else None,
                variant=variant,
                role=rule.role if rule else Role.LINK,
                per_person=rule.per_person if rule else False,
            )
            self.ids[key] = state
            self.out.new_identifiers.add(key)
            self._dirty_ids.add(key)
        else:
            if at < state.first_seen_at:
                state.first_seen_at = at
                self._dirty_ids.add(key)
                if state.customer_id is not None:
                    self._refresh_anchor(self.customers[state.customer_id], state)
            if at > state.last_seen_at:
                state.last_seen_at = at
                self._dirty_ids.add(key)
        return state

    def _record_traits(
        self, states: list[IdentifierState], obs: Observation, kept: bool
    ) -> set[str]:
        """Note the record's traits on each identifier; answer which identifiers changed."""
        # a stored record also says whether it named the person (refresh folds the same)
        if kept:
            alone = len(obs.identifiers) == 1
            traits = observed_traits(obs.attributes, self.policy.generic, alone=alone)
        else:
            traits = record_traits(obs.attributes, self.policy.generic)
        changed: set[str] = set()
        if not traits:
            return changed
        for state in states:
            known = state.traits
            if all(value in known.get(trait, ()) for trait, value in traits.items()):
                continue  # nothing new: merging would give the same traits
            merged = merge_traits(known, traits)
            if merged == known:
                continue
            before = agreeing(state.traits)
            state.traits = merged
            changed.add(state.key)
            self._dirty_ids.add(state.key)
            customer = self.customers.get(state.customer_id or "")
            if customer is None:
                continue
            now_agreeing = agreeing(merged)
            grown = union(customer.traits, now_agreeing)
            # a link the customer refused may now be refused for another reason, whether the
            # customer's traits grew or only this identifier's did
            refused = customer.conflicts > 0 and (
                grown != customer.traits or now_agreeing != before
            )
            customer.traits = grown
            self._dirty_customers.add(customer.id)
            if not before.keys() <= now_agreeing.keys() or disagreement(grown) or refused:
                # the customer's people no longer agree, or a refusal may read differently:
                # only re-resolving can tell who is who
                self.seed_customers.add(customer.id)
                self.seed_keys.add(state.key)
        return changed

    def _link(
        self, a: IdentifierState, b: IdentifierState, obs: Observation
    ) -> tuple[LinkRecord, bool, bool]:
        pair = pair_of(a.key, b.key)
        self._dirty_links.add(pair)
        link = self.links.get(pair)
        if link is not None and not link.by_person:
            return link, False, link.add_evidence(obs.observed_at, obs.source, obs.id)
        if link is not None:
            # first seen together: an observed link now, whatever person evidence proposed
            # (a steward's cut stays cut); counted as new, so neighbours and order are kept
            link.count = 1
            link.first_seen_at = link.last_seen_at = obs.observed_at
            link.sources = (obs.source,)
            link.observations = ((obs.observed_at, obs.id),)
            if link.state not in (LinkState.SUPPRESSED, LinkState.MANUAL):
                link.state, link.reason = LinkState.ACTIVE, None
            # re-resolve from the live ends only: a dead end joins nothing, and a dead seed is
            # expanded to all it touches (a placeholder anchor touches thousands of records)
            self.seed_keys.update(s.key for s in (a, b) if s.live)
            return link, True, False
        link = LinkRecord(
            a=pair[0],
            b=pair[1],
            first_seen_at=obs.observed_at,
            last_seen_at=obs.observed_at,
            sources=(obs.source,),
            observations=((obs.observed_at, obs.id),),
        )
        self.links[pair] = link
        self.out.new_links.add(pair)
        return link, True, False

    def _count_neighbours(self, a: IdentifierState, b: IdentifierState) -> list[str]:
        """Count each side as a distinct neighbour of the other, if it is strong evidence."""
        changed = []
        for this, other in ((a, b), (b, a)):
            rule = self.policy.rule_of(other.kind, other.variant)
            # Landlines and shop lines say nothing of how many people use a value.
            countable = rule is not None and rule.strong and not other.attach
            if countable and other.status is not Status.PLACEHOLDER:
                this.neighbours[other.kind] = this.neighbours.get(other.kind, 0) + 1
                if other.per_person:
                    this.persons[other.kind] = this.persons.get(other.kind, 0) + 1
                changed.append(this.key)
                self._dirty_ids.add(this.key)
        return changed

    def _has_conflicts(self, a: IdentifierState, b: IdentifierState) -> bool:
        # a customer whose dates do not all agree holds links canonical resolution may have
        # refused had they come first: a new or earlier link inside it may be refused too
        return any(
            s.customer_id is not None
            and (
                self.customers[s.customer_id].conflicts > 0
                or disagreement(self.customers[s.customer_id].traits) is not None
            )
            for s in (a, b)
        )

    def _turn_generic(self, state: IdentifierState, reason: str) -> None:
        state.status = Status.GENERIC
        state.status_reason = reason
        self._dirty_ids.add(state.key)
        self.seed_keys.add(state.key)
        if state.customer_id is not None:
            self.seed_customers.add(state.customer_id)

    # -- the fast path ---------------------------------------------------------------------

    def _stitch(
        self,
        live: list[IdentifierState],
        edges: list[LinkRecord],
        obs: Observation,
        outcome: Outcome,
    ) -> bool:
        """Merge what this observation joins; False when only re-resolution can decide."""
        owners = {s.customer_id for s in live}
        if None not in owners and len(owners) <= 1:
            return True  # already one customer (or nothing that links): nothing to join
        if len(live) == 1:
            return self._merge([], live, obs, outcome)
        groups = _Groups()
        node = {s.key: s.customer_id or s.key for s in live}
        placed = dict.fromkeys(node.values(), False)
        for s in live:
            if s.customer_id is not None:
                placed[s.customer_id] = self.customers[s.customer_id].linking > 0
            elif not s.attach:
                placed[s.key] = True
        for state in live:
            groups.add(node[state.key], placed[node[state.key]])
        linking = [e for e in edges if not self._touches_attach(e)]
        for link in linking + [e for e in edges if self._touches_attach(e)]:
            na, nb = node.get(link.a), node.get(link.b)
            if na is None or nb is None:
                continue
            if not groups.union(na, nb, attach=self._touches_attach(link)):
                return False
        for members in groups.groups():
            customers = [self.customers[n] for n in members if n in self.customers]
            fresh = [self.ids[n] for n in members if n not in self.customers]
            if (len(customers) > 1 or fresh) and not self._merge(customers, fresh, obs, outcome):
                return False
        return True

    def _merge(
        self,
        customers: list[CustomerState],
        fresh: list[IdentifierState],
        obs: Observation,
        outcome: Outcome,
    ) -> bool:
        # traits are compared strictly here: a date forgiven as a typo depends on every name
        # of both sides, so whether it is forgiven can depend on the order customers join;
        # only canonical re-resolution may forgive
        if len(customers) + len(fresh) > 1 and any(
            c.conflicts or disagreement(c.traits) for c in customers
        ):
            return False  # a rejected link of theirs may now fall inside one customer
        counts: dict[str, int] = {}
        allowance: dict[str, int] = {}
        traits: dict[str, tuple[str, ...]] = {}
        pieces = [(c.kind_counts, c.allowance, c.traits) for c in customers]
        pieces += [({s.kind: 1}, {}, agreeing(s.traits)) for s in fresh]
        for piece_counts, piece_allowance, piece_traits in pieces:
            # sides clash only when no value agrees, and slips of dates do not chain: a union
            # whose dates do not all agree is refused or not by the order links are taken
            if counts and (
                refusal(counts, allowance, piece_counts, piece_allowance, self.policy)
                or clash(traits, piece_traits)
                or disagreement(union(traits, piece_traits))
            ):
                return False
            counts = add_counts(counts, piece_counts)
            allowance = merged_allowance(allowance, piece_allowance)
            traits = union(traits, piece_traits)
        if customers:
            customers.sort(key=lambda c: c.anchor_order(self.policy))
            survivor, absorbed = customers[0], customers[1:]
            before = [replace(c) for c in customers]
        else:
            anchor = min(fresh, key=lambda s: anchor_order(s, self.policy))
            survivor = CustomerState(
                id=derive_id(anchor.key),
                anchor_key=anchor.key,
                anchor_first_seen_at=anchor.first_seen_at,
                size=0,
                kind_counts={},
                created_at=self.now,
            )
            self.customers[survivor.id] = survivor
            self.out.new_customers.add(survivor.id)
            absorbed, before = [], []
        survivor.kind_counts = dict(sorted(counts.items()))
        survivor.allowance = allowance
        survivor.traits = traits
        survivor.size += sum(c.size for c in absorbed) + len(fresh)
        survivor.conflicts += sum(c.conflicts for c in absorbed)
        survivor.linking += sum(c.linking for c in absorbed) + sum(not s.attach for s in fresh)
        survivor.updated_at = self.now
        self._dirty_customers.add(survivor.id)
        for state in fresh:
            state.customer_id = survivor.id
            self._members.setdefault(survivor.id, set()).add(state.key)
            self._dirty_ids.add(state.key)
            self._refresh_anchor(survivor, state)
        for gone in absorbed:
            if gone.anchor_order(self.policy) < survivor.anchor_order(self.policy):
                survivor.anchor_key, survivor.anchor_first_seen_at = (
                    gone.anchor_key,
                    gone.anchor_first_seen_at,
                )
            self._absorb(gone, survivor)
            outcome.merged.append(gone.id)
        if absorbed:
            reason = f"observation {obs.id} joined them"
            self.out.audit.append(merged_audit(self.now, self.actor, reason, before, survivor))
        return True

    def _absorb(self, gone: CustomerState, survivor: CustomerState) -> None:
        for old, target in list(self.out.repoint.items()):
            if target == gone.id:
                self.out.repoint[old] = survivor.id
        self.out.repoint[gone.id] = survivor.id
        for old, alias in list(self.out.aliases.items()):
            if alias == gone.id:
                self.out.aliases[old] = survivor.id
        self.out.aliases[gone.id] = survivor.id
        moved = self._members.pop(gone.id, set())
        for key in moved:
            self.ids[key].customer_id = survivor.id
        self._members.setdefault(survivor.id, set()).update(moved)
        del self.customers[gone.id]
        self._dirty_customers.discard(gone.id)
        if gone.id in self.out.new_customers:
            self.out.new_customers.discard(gone.id)
        else:
            self.out.deleted_customers.add(gone.id)
        self.seed_customers = {survivor.id if c == gone.id else c for c in self.seed_customers}

    def _refresh_anchor(self, customer: CustomerState, state: IdentifierState) -> None:
        if anchor_order(state, self.policy) < customer.anchor_order(self.policy):
            customer.anchor_key = state.key
            customer.anchor_first_seen_at = state.first_seen_at
            self._dirty_customers.add(customer.id)

    def _touches_attach(self, link: LinkRecord) -> bool:
        return self.ids[link.a].attach or self.ids[link.b].attach

    # -- output ----------------------------------------------------------------------------

    def changes(self) -> ChangeSet:
        """The ChangeSet of everything observed so far."""
        out = self.out
        out.identifiers = {k: self.ids[k] for k in sorted(self._dirty_ids)}
        out.links = {p: self.links[p] for p in sorted(self._dirty_links)}
        out.customers = {
            c: self.customers[c] for c in sorted(self._dirty_customers) if c in self.customers
        }
        return out


class _Groups:
    """Union-find over an observation's customers (or fresh keys), tracking placement.

    A group is placed when it holds an identifier of a linking kind. Links between linking
    kinds may join placed groups (limits are checked later); a link of an attach kind may
    not join two placed groups: that is a choice only re-resolution may make.
    """

    def __init__(self) -> None:
        self.sets: DisjointSets[str] = DisjointSets()
        self.placed: dict[str, bool] = {}

    def add(self, node: str, placed: bool) -> None:
        if self.sets.add(node):
            self.placed[node] = placed

    def union(self, a: str, b: str, attach: bool) -> bool:
        ra, rb = self.sets.find(a), self.sets.find(b)
        if ra == rb:
            return True
        if attach and self.placed[ra] and self.placed[rb]:
            return False
        kept, absorbed = self.sets.union(ra, rb) or (ra, rb)
        self.placed[kept] = self.placed[kept] or self.placed.pop(absorbed)
        return True

    def groups(self) -> Iterable[list[str]]:
        return self.sets.groups().values()
