"""``c360 demo``: a generated, realistic data set, so a new user sees a populated service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.demo.catalogue import ACCOUNT_CURRENCY, REFERENCE_RATES
from app.demo.channels import generate_observations
from app.demo.events import generate_events
from app.engine import Engine
from app.services.events import record_events
from app.services.stitching import stitch
from resolvers.identity.observations import RawIdentifier, RawObservation

CHUNK = 1000
DEMO_NOW = "demo_generated_at"  # meta: the reference time of the demo data
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo loaded."""

    people: int
    observations: int
    events: int
    customers: int
    sample_customer: str | None
    sample_identifier: str | None

    def describe(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"demo loaded: {self.people:,} people behind {self.observations:,} channel records "
            f"and {self.events:,} events; the store now holds {self.customers:,} customers",
        ]
        if self.sample_customer and self.sample_identifier:
            kind, _, value = self.sample_identifier.partition(":")
            lines.append(f"try: GET /v1/customers/{self.sample_customer}")
            lines.append(f"  or GET /v1/customers/by-identifier?kind={kind}&value={value}")
        return "\n".join(lines)


def raw_observation(body: dict[str, object]) -> RawObservation:
    """A generated observation body in the domain's form."""
    identifiers = body["identifiers"]
    assert isinstance(identifiers, list)
    return RawObservation(
        id=str(body["id"]),
        source=str(body["source"]),
        observed_at=datetime.fromisoformat(str(body["observed_at"])),
        identifiers=[RawIdentifier(i["kind"], i["value"]) for i in identifiers],
        attributes=dict(body.get("attributes", {})),  # type: ignore[call-overload]
    )


def load_demo(
    engine: Engine, people: int, seed: int, progress: Progress | None = None
) -> DemoSummary:
    """Generate and load the demo data set (records, then events); running it again changes
    nothing: every record and event has a stable id."""
    # Records span the two years before the first load, so recency-based figures look alive;
    # that moment is kept in the store, so a second load generates the very same bodies.
    now = _demo_now(engine)
    start = now - timedelta(days=730)
    generated = generate_observations(people, seed=seed, start=start, days=730)
    # Foreign-currency orders only where the policy has a rate to report them with.
    currencies = (ACCOUNT_CURRENCY, *sorted(set(REFERENCE_RATES) & set(engine.fx_rates)))
    events = generate_events(generated, seed=seed, start=start, now=now, currencies=currencies)
    total = len(generated) + len(events)
    done = 0
    for i in range(0, len(generated), CHUNK):
        chunk = [raw_observation(g.body) for g in generated[i : i + CHUNK]]
        stitch(engine, chunk, "c360 demo")
        done += len(chunk)
        if progress:
            progress(done, total, "observations")
    for i in range(0, len(events), CHUNK):
        batch = events[i : i + CHUNK]
        record_events(engine, batch, "c360 demo")
        done += len(batch)
        if progress:
            progress(done, total, "events")
    counts = engine.store.counts()
    sample_key = sample_customer = None
    for batch_of_customers in engine.store.scan_customers(200):
        richest = max(batch_of_customers, key=lambda c: (c.size, c.id))
        sample_customer, sample_key = richest.id, richest.anchor_key
        break
    return DemoSummary(
        people=people,
        observations=len(generated),
        events=len(events),
        customers=counts["customers"],
        sample_customer=sample_customer,
        sample_identifier=sample_key,
    )


def _demo_now(engine: Engine) -> datetime:
    """When the demo was first loaded into this store (now, the first time)."""
    stored = engine.store.get_meta(DEMO_NOW)
    if stored:
        return datetime.fromisoformat(stored)
    now = engine.clock().astimezone(UTC).replace(microsecond=0)
    engine.store.set_meta(DEMO_NOW, now.isoformat())
    return now
