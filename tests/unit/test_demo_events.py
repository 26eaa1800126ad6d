"""The demo's timeline events and the ``c360 demo`` use case that loads them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from app.demo.catalogue import ACCOUNT_CURRENCY, REFERENCE_RATES
from app.demo.channels import GeneratedObservation, generate_observations
from app.demo.events import generate_events, vip_of
from app.services.customers import resolve
from app.services.demo import load_demo
from app.services.verification import verify
from resolvers.customer360.event_schemas import FAMILIES
from resolvers.customer360.events import RawEvent, family_of, validate_event
from resolvers.errors import ValidationFailed
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawIdentifier
from resolvers.identity.policy import load_policy
from tests.factories import Clock
from tests.factories import engine as make_engine

START = datetime(2023, 6, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, tzinfo=UTC)
ALL_CURRENCIES = (ACCOUNT_CURRENCY, *sorted(REFERENCE_RATES))
# 200 people of seed 4 include American and Japanese customers who order in USD and JPY.
PEOPLE, SEED = 200, 4


@pytest.fixture(scope="module")
def generated() -> list[GeneratedObservation]:
    return generate_observations(PEOPLE, seed=SEED, start=START, days=730)


@pytest.fixture(scope="module")
def events(generated: list[GeneratedObservation]) -> list[RawEvent]:
    return generate_events(generated, seed=SEED, start=START, now=NOW, currencies=ALL_CURRENCIES)


def owners_of(generated: Sequence[GeneratedObservation]) -> dict[tuple[str, str], set[str]]:
    """Each raw (kind, value) a channel sent, and the people who sent it."""
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for g in generated:
        for item in g.body["identifiers"]:
            owners[(item["kind"], item["value"])].add(g.person_id)
    return owners


def person_of(event: RawEvent, owners: dict[tuple[str, str], set[str]]) -> str:
    people = {p for i in event.identifiers for p in owners[(i.kind, i.value)]}
    assert len(people) == 1, (event.id, people)
    return people.pop()


# -- determinism -------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_events_and_another_seed_others(
    generated: list[GeneratedObservation], events: list[RawEvent]
) -> None:
    again = generate_events(generated, seed=SEED, start=START, now=NOW, currencies=ALL_CURRENCIES)
    assert again == events
    other = generate_events(generated, seed=SEED + 1, start=START, now=NOW)
    assert [e.id for e in other] != [e.id for e in events]
    assert [(e.type, e.occurred_at) for e in other] != [(e.type, e.occurred_at) for e in events]


def test_event_ids_are_unique_and_events_come_oldest_first(events: list[RawEvent]) -> None:
    assert len({e.id for e in events}) == len(events) > 1000
    times = [e.occurred_at for e in events]
    assert times == sorted(times)


# -- validity ----------------------------------------------------------------------------------


def test_every_event_validates_in_the_account_currency_with_the_reference_rates(
    events: list[RawEvent],
) -> None:
    currencies: Counter[str] = Counter()
    for event in events:
        event_type, data = validate_event(event, ACCOUNT_CURRENCY, REFERENCE_RATES)
        assert event_type == event.type
        if "currency" in data:
            currencies[data["currency"]] += 1
            if "total" in data:
                assert data["total_account"] == pytest.approx(
                    data["total"] * REFERENCE_RATES.get(data["currency"], 1.0), abs=0.01
                )
    assert set(currencies) == {"TWD", "USD", "JPY"}
    assert currencies.most_common(1)[0][0] == "TWD"  # foreign customers are a few


def test_foreign_amounts_need_the_reference_rates(events: list[RawEvent]) -> None:
    foreign = [e for e in events if e.data.get("currency") in REFERENCE_RATES]
    assert foreign
    for event in foreign[:5]:
        with pytest.raises(ValidationFailed):
            validate_event(event, ACCOUNT_CURRENCY, {})


def test_with_only_the_account_currency_every_amount_is_in_twd(
    generated: list[GeneratedObservation],
) -> None:
    local = generate_events(generated, seed=SEED, start=START, now=NOW)
    assert {e.data["currency"] for e in local if "currency" in e.data} == {"TWD"}
    for event in local:
        validate_event(event, ACCOUNT_CURRENCY, {})


def test_every_event_names_valid_identifiers_of_exactly_one_person(
    generated: list[GeneratedObservation], events: list[RawEvent]
) -> None:
    owners = owners_of(generated)
    normaliser = Normaliser(load_policy(), "TW")
    seen_people = set()
    for event in events:
        assert 1 <= len(event.identifiers) <= 2
        seen_people.add(person_of(event, owners))
        for item in event.identifiers:
            out = normaliser.normalise(item.kind, item.value)
            assert out is not None, (event.id, item)
            # shared values and placeholders (test@test.com, a shop's phone) are never named
            assert not any(n.placeholder for n in out), (event.id, item)
    assert len(seen_people) > PEOPLE * 0.9


def test_every_event_family_is_present(events: list[RawEvent]) -> None:
    families = Counter(family_of(e.type) for e in events)
    assert set(families) == set(FAMILIES.values())
    types = {e.type for e in events}
    for expected in [
        "order.placed", "order.completed", "order.returned",
        "marketing.sent", "marketing.opened", "marketing.clicked",
        "web.product_viewed", "web.searched", "cart.abandoned", "wishlist.added",
        "warranty.registered", "warranty.claim_opened", "warranty.claim_closed",
        "booking.booked", "booking.attended", "booking.cancelled",
        "conversation.opened", "conversation.closed",
        "loyalty.points_earned", "loyalty.tier_changed", "loyalty.voucher_issued",
        "consent.granted", "consent.revoked",
        "custom.store_visit",
    ]:  # fmt: skip
        assert expected in types, expected


# -- time --------------------------------------------------------------------------------------


def test_events_happen_between_start_and_now_and_only_bookings_are_scheduled_later(
    events: list[RawEvent],
) -> None:
    assert all(START <= e.occurred_at <= NOW for e in events)
    assert all(e.occurred_at.tzinfo is not None for e in events)
    later: dict[str, list[str]] = defaultdict(list)
    bookings: dict[str, list[str]] = defaultdict(list)
    for event in events:
        if event.type.startswith("booking."):
            bookings[event.data["booking_id"]].append(event.type)
        scheduled = event.data.get("scheduled_at")
        if scheduled is not None and datetime.fromisoformat(scheduled) > NOW:
            later[event.data["booking_id"]].append(event.type)
    assert later, "some bookings are for after now"
    assert {t for types in later.values() for t in types} <= {
        "booking.booked",
        "booking.rescheduled",
    }
    # a visit that has not happened yet is neither attended nor missed
    for booking_id in later:
        assert not {"booking.attended", "booking.no_show"} & set(bookings[booking_id])


def test_what_follows_an_order_comes_after_it(events: list[RawEvent]) -> None:
    placed: dict[str, datetime] = {}
    follow_ups = 0
    for event in events:
        if event.type == "order.placed":
            placed[event.data["order_id"]] = event.occurred_at
        elif event.type.startswith("order."):
            follow_ups += 1
            assert placed[event.data["order_id"]] <= event.occurred_at, event.id
    assert follow_ups > 100


@pytest.mark.parametrize(
    ("start", "now", "currencies", "vip", "message"),
    [
        (START.replace(tzinfo=None), NOW, ("TWD",), 0, "timezone-aware"),
        (NOW, NOW, ("TWD",), 0, "now must be after start"),
        (START, NOW, ("TWD", "EUR"), 0, "no reference rate for EUR"),
        (START, NOW, ("TWD",), -1, "vip_events must not be negative"),
    ],
)
def test_bad_arguments_are_refused(
    generated: list[GeneratedObservation],
    start: datetime,
    now: datetime,
    currencies: tuple[str, ...],
    vip: int,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        generate_events(generated[:10], seed=1, start=start, now=now, currencies=currencies,
                        vip_events=vip)  # fmt: skip


# -- the VIP -----------------------------------------------------------------------------------


def test_vip_events_gives_the_busiest_person_that_many_more_and_leaves_others_alone(
    generated: list[GeneratedObservation], events: list[RawEvent]
) -> None:
    extra = 1500
    busy = generate_events(
        generated, seed=SEED, start=START, now=NOW, currencies=ALL_CURRENCIES, vip_events=extra
    )
    owners = owners_of(generated)
    vip = vip_of(generated)
    records = Counter(g.person_id for g in generated)
    assert vip is not None and records[vip] == max(records.values())

    def per_person(items: list[RawEvent]) -> dict[str, list[RawEvent]]:
        out: dict[str, list[RawEvent]] = defaultdict(list)
        for event in items:
            out[person_of(event, owners)].append(event)
        return out

    before, after = per_person(events), per_person(busy)
    assert len(after[vip]) == len(before[vip]) + extra >= extra
    assert len(busy) == len(events) + extra
    assert {p: e for p, e in after.items() if p != vip} == {
        p: e for p, e in before.items() if p != vip
    }
    assert all(START <= e.occurred_at <= NOW for e in after[vip])
    for event in after[vip]:
        validate_event(event, ACCOUNT_CURRENCY, REFERENCE_RATES)


# -- loading the demo --------------------------------------------------------------------------


def test_load_demo_loads_a_consistent_store_and_a_rerun_changes_nothing() -> None:
    engine = make_engine()
    summary = load_demo(engine, people=40, seed=3)
    counts = engine.store.counts()

    assert summary.people == 40
    assert summary.customers == counts["customers"]
    assert summary.events == counts["events"] > 0
    # every delivery was read; a delivery repeated with the same id is stored once
    assert summary.observations >= counts["observations"] > 40
    assert counts["identifiers"] >= summary.customers > 0
    sizes = {c.id: c.size for batch in engine.store.scan_customers(1000) for c in batch}
    assert summary.sample_customer is not None and summary.sample_identifier is not None
    assert sizes[summary.sample_customer] == max(sizes.values()) > 1
    kind, _, value = summary.sample_identifier.partition(":")
    assert resolve(engine, [RawIdentifier(kind, value)])[0].customer_id == summary.sample_customer
    text = summary.describe()
    assert f"40 people behind {summary.observations:,} channel records" in text
    assert f"GET /v1/customers/{summary.sample_customer}" in text
    report = verify(engine)
    assert report.clean and report.customers == summary.customers

    links = sorted((lk.pair, lk.state, lk.count) for b in engine.store.scan_links(1000) for lk in b)
    rerun = load_demo(engine, people=40, seed=3)
    assert rerun == summary
    assert engine.store.counts() == counts
    assert (
        sorted((lk.pair, lk.state, lk.count) for b in engine.store.scan_links(1000) for lk in b)
        == links
    )


def test_load_demo_run_again_a_day_later_changes_nothing() -> None:
    engine = make_engine()
    first = load_demo(engine, people=40, seed=3)
    counts = engine.store.counts()
    assert isinstance(engine.clock, Clock)
    engine.clock.tick(86_400)
    assert load_demo(engine, people=40, seed=3) == first
    assert engine.store.counts() == counts


def test_load_demo_events_span_the_two_years_before_the_engines_clock() -> None:
    engine = make_engine()
    summary = load_demo(engine, people=40, seed=5)
    now = engine.clock()
    keys = [s.key for b in engine.store.scan_identifiers(5000) for s in b]
    page = engine.store.read(
        lambda tx: tx.timeline(
            keys,
            limit=summary.events,
            before=None,
            types=(),
            since=None,
            until=None,
        )
    )
    assert len(page.events) == summary.events
    times = [e.occurred_at for e in page.events]
    assert now - timedelta(days=730) <= min(times) and max(times) <= now
    assert max(times) > now - timedelta(days=30)  # recency figures look alive
