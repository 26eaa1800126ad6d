"""The slow path: re-resolve an evidence component whole and write the difference."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from resolvers.identity.changes import AuditEntry, ChangeSet
from resolvers.identity.customer_ids import Succession, derive_id, succession
from resolvers.identity.evidence import CustomerState, IdentifierState, LinkRecord, LinkState
from resolvers.identity.policy import MergePolicy
from resolvers.identity.resolution import Part, Resolution, resolve

ID_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class Evidence:
    """An evidence component as loaded: its identifiers (with the dead ones its links reach),
    its links, and the customers its identifiers belonged to."""

    identifiers: Mapping[str, IdentifierState]
    links: Mapping[tuple[str, str], LinkRecord]
    customers: Mapping[str, CustomerState]


@dataclass(frozen=True, slots=True)
class Plan:
    """A resolution and the ids its parts will carry, before the clash check."""

    resolution: Resolution
    succession: Succession

    def candidate_ids(self) -> list[str]:
        """Ids the parts without an heir would take, in every attempt: check them for clashes."""
        return [
            derive_id(part.anchor_key, attempt)
            for part, cid in zip(self.resolution.parts, self.succession.part_ids, strict=True)
            if cid is None
            for attempt in range(ID_ATTEMPTS)
        ]


def plan(evidence: Evidence, policy: MergePolicy) -> Plan:
    """Resolve the component and work out which old ids carry on."""
    resolution = resolve(evidence.identifiers, evidence.links.values(), policy)
    members: dict[str, list[IdentifierState]] = {}
    for state in evidence.identifiers.values():
        if state.customer_id is not None:
            members.setdefault(state.customer_id, []).append(state)
    return Plan(resolution, succession(resolution.parts, evidence.customers, members, policy))


def reconcile(
    evidence: Evidence,
    planned: Plan,
    policy: MergePolicy,
    *,
    now: datetime,
    actor: str,
    reason: str,
    taken: Collection[str] = (),
) -> ChangeSet:
    """The ChangeSet that turns the stored component into its resolution.

    ``taken`` holds candidate ids that are live customers elsewhere in the store.
    """
    parts = planned.resolution.parts
    ids = _assign_ids(planned, evidence, taken)
    out = ChangeSet(at=now)
    old = evidence.customers
    part_id_of = {key: ids[i] for i, part in enumerate(parts) for key in part.members}

    for i, part in enumerate(parts):
        cid = ids[i]
        previous = old.get(cid)
        customer = _customer(cid, part, previous, now)
        if previous is None:
            out.new_customers.add(cid)
            out.customers[cid] = customer
        elif _differs(previous, customer):
            out.customers[cid] = customer
    for key, state in evidence.identifiers.items():
        target = part_id_of.get(key)
        if state.customer_id != target:
            out.identifiers[key] = replace(state, customer_id=target)
    for pair, link in evidence.links.items():
        decided = planned.resolution.link_states.get(pair)
        if decided is None or link.state in (LinkState.SUPPRESSED, LinkState.MANUAL):
            continue
        decided_state, why = decided
        if link.state is not decided_state or link.reason != why:
            out.links[pair] = replace(link, state=decided_state, reason=why)

    survivors = set(ids)
    for cid in sorted(old):
        if cid not in survivors:
            out.deleted_customers.add(cid)
    for gone, survivor in planned.succession.absorbed.items():
        out.aliases[gone] = survivor
    for gone in planned.succession.dissolved:
        out.aliases[gone] = None
    out.audit.extend(_audit(evidence, planned, ids, part_id_of, now, actor, reason))
    return out


def _assign_ids(planned: Plan, evidence: Evidence, taken: Collection[str]) -> list[str]:
    used = {cid for cid in planned.succession.part_ids if cid is not None} | set(evidence.customers)
    ids: list[str] = []
    for part, cid in zip(planned.resolution.parts, planned.succession.part_ids, strict=True):
        if cid is None:
            for attempt in range(ID_ATTEMPTS):
                candidate = derive_id(part.anchor_key, attempt)
                if candidate not in taken and candidate not in used:
                    cid = candidate
                    break
            else:
                raise RuntimeError(f"no free customer id for anchor after {ID_ATTEMPTS} attempts")
            used.add(cid)
        ids.append(cid)
    return ids


def _customer(cid: str, part: Part, previous: CustomerState | None, now: datetime) -> CustomerState:
    return CustomerState(
        id=cid,
        anchor_key=part.anchor_key,
        anchor_first_seen_at=part.anchor_first_seen_at,
        size=len(part.members),
        kind_counts=dict(part.kind_counts),
        allowance=dict(part.allowance),
        conflicts=part.conflicts,
        linking=part.linking,
        traits=dict(part.traits),
        created_at=previous.created_at if previous and previous.created_at else now,
        updated_at=now,
    )


def _differs(a: CustomerState, b: CustomerState) -> bool:
    return _summary(a) != _summary(b)


def _summary(c: CustomerState) -> tuple[object, ...]:
    return (
        c.anchor_key,
        c.anchor_first_seen_at,
        c.size,
        c.kind_counts,
        c.allowance,
        c.conflicts,
        c.linking,
        c.traits,
    )


def _audit(
    evidence: Evidence,
    planned: Plan,
    ids: list[str],
    part_id_of: Mapping[str, str],
    now: datetime,
    actor: str,
    reason: str,
) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    sizes = {ids[i]: len(part.members) for i, part in enumerate(planned.resolution.parts)}
    spread: dict[str, dict[str | None, int]] = {}
    for key, state in evidence.identifiers.items():
        if state.customer_id is not None:
            where = spread.setdefault(state.customer_id, {})
            target = part_id_of.get(key)
            where[target] = where.get(target, 0) + 1
    for cid in sorted(spread):
        targets = spread[cid]
        if len(targets) <= 1 and None not in targets and cid in sizes:
            continue
        if cid in planned.succession.absorbed and len(targets) == 1:
            continue  # reported as a merge below
        previous = evidence.customers.get(cid)
        parts = sorted(t for t in targets if t is not None)
        entries.append(
            AuditEntry(
                at=now,
                actor=actor,
                action="split" if len(parts) > 1 else "dissolve" if not parts else "shrink",
                reason=reason,
                customer_ids=(cid, *(p for p in parts if p != cid)),
                before={"customers": [{"id": cid, "size": previous.size if previous else None}]},
                after={
                    "customers": [{"id": p, "size": sizes[p]} for p in parts],
                    "released": targets.get(None, 0),
                },
            )
        )
    merged: dict[str, list[str]] = {}
    for gone, survivor in planned.succession.absorbed.items():
        merged.setdefault(survivor, []).append(gone)
    for survivor in sorted(merged):
        absorbed = sorted(merged[survivor])
        entries.append(
            AuditEntry(
                at=now,
                actor=actor,
                action="merge",
                reason=reason,
                customer_ids=(survivor, *absorbed),
                before={
                    "customers": [
                        {"id": c, "size": evidence.customers[c].size} for c in (survivor, *absorbed)
                    ]
                },
                after={"customers": [{"id": survivor, "size": sizes[survivor]}]},
            )
        )
    return entries
