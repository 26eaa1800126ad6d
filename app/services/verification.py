"""``c360 verify``: recompute customers from the links and compare with what is materialised."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.engine import Engine
from app.services.evidence import reresolve
from app.store.protocol import GraphWriter
from resolvers.identity.evidence import JOINING, CustomerState
from resolvers.identity.identifiers import mask
from resolvers.union_find import DisjointSets

BATCH = 5_000
REPAIR_BATCH = 200
Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class Drift:
    """One disagreement between the links and the materialised customers."""

    problem: str
    customer_ids: tuple[str, ...]
    sample: tuple[str, ...]  # masked identifier keys: safe for logs


@dataclass
class VerifyReport:
    """What verify counted and found, and how much it mended."""

    identifiers: int = 0
    links: int = 0
    customers: int = 0
    components: int = 0
    drift: list[Drift] = field(default_factory=list)
    repaired: int = 0

    @property
    def clean(self) -> bool:
        """No drift found (or all of it mended)."""
        return not self.drift or self.repaired == len(self.drift)


def verify(engine: Engine, repair: bool = False, progress: Progress | None = None) -> VerifyReport:
    """Check every customer against the components of active and manual links."""
    report = VerifyReport()
    owner: dict[str, str | None] = {}
    live: set[str] = set()
    kinds: dict[str, str] = {}
    for batch in engine.store.scan_identifiers(BATCH):
        for state in batch:
            owner[state.key] = state.customer_id
            kinds[state.key] = state.kind
            if state.live:
                live.add(state.key)
        report.identifiers += len(batch)
        if progress:
            progress("identifiers", report.identifiers)
    components: DisjointSets[str] = DisjointSets()
    for key in live:
        components.find(key)
    for links in engine.store.scan_links(BATCH):
        for link in links:
            if link.state in JOINING and link.a in live and link.b in live:
                components.union(link.a, link.b)
        report.links += len(links)
        if progress:
            progress("links", report.links)

    by_root: dict[str, set[str | None]] = {}
    by_customer: dict[str, set[str]] = {}
    members: dict[str, list[str]] = {}
    for key in live:
        root = components.find(key)
        by_root.setdefault(root, set()).add(owner[key])
        if owner[key] is not None:
            by_customer.setdefault(owner[key] or "", set()).add(root)
            members.setdefault(owner[key] or "", []).append(key)
    report.components = len(by_root)
    seeds: list[tuple[list[str], list[str]]] = []
    for key in sorted(set(owner) - live):
        if owner[key] is not None:
            _drift(
                report,
                seeds,
                "a non-linking identifier still belongs to a customer",
                [owner[key] or ""],
                [key],
            )
    for root, owners in sorted(by_root.items()):
        if None in owners:
            _drift(
                report,
                seeds,
                "a live identifier belongs to no customer",
                sorted(o for o in owners if o),
                [root],
            )
        if len(owners - {None}) > 1:
            _drift(
                report,
                seeds,
                "one component is materialised as several customers",
                sorted(o for o in owners if o),
                [root],
            )
    for customer_id, roots in sorted(by_customer.items()):
        if len(roots) > 1:
            _drift(
                report,
                seeds,
                "one customer holds several components",
                [customer_id],
                sorted(roots)[:5],
            )

    stored: dict[str, CustomerState] = {}
    for customers in engine.store.scan_customers(BATCH):
        stored.update((c.id, c) for c in customers)
    report.customers = len(stored)
    for customer_id in sorted(stored.keys() - members.keys()):
        _drift(report, seeds, "a customer has no identifiers", [customer_id], [])
    for customer_id in sorted(members):
        row = stored.get(customer_id)
        keys = members[customer_id]
        if row is None:
            _drift(
                report,
                seeds,
                "identifiers point at a customer that does not exist",
                [customer_id],
                keys[:1],
            )
            continue
        counts: dict[str, int] = {}
        for key in keys:
            counts[kinds[key]] = counts.get(kinds[key], 0) + 1
        if row.size != len(keys) or row.kind_counts != counts:
            _drift(
                report, seeds, "a customer's size or kind counts are stale", [customer_id], keys[:1]
            )

    if repair and seeds:
        report.repaired = _repair(engine, report, seeds, progress)
    return report


def _drift(
    report: VerifyReport,
    seeds: list[tuple[list[str], list[str]]],
    problem: str,
    customer_ids: list[str],
    keys: list[str],
) -> None:
    report.drift.append(Drift(problem, tuple(customer_ids), tuple(mask(k) for k in keys)))
    seeds.append((keys, customer_ids))


def _repair(
    engine: Engine,
    report: VerifyReport,
    seeds: list[tuple[list[str], list[str]]],
    progress: Progress | None,
) -> int:
    done = 0
    for start in range(0, len(seeds), REPAIR_BATCH):
        chunk = seeds[start : start + REPAIR_BATCH]
        keys = [k for ks, _ in chunk for k in ks]
        customers = [c for _, cs in chunk for c in cs]

        def mend(tx: GraphWriter, keys: list[str] = keys, customers: list[str] = customers) -> None:
            reresolve(
                tx,
                engine,
                keys,
                customers,
                actor="c360 verify --repair",
                reason="drift found by verify",
            )

        engine.store.write(mend)
        done += len(chunk)
        if progress:
            progress("repaired", done)
    return done
