"""Stewards' answers to review items, through the use case, on every store."""

from __future__ import annotations

import pytest

from app.errors import NotFound, Unprocessable
from app.services import stewardship
from app.services.inspection import history
from app.services.stitching import stitch
from app.store.protocol import Store
from tests.factories import NOW, customer_of, engine_for, ident, link_states, obs, partition

AMY = [("email", "amy@mail.com"), ("phone", "0912000111")]
AMY_KEYS = {"email:amy@mail.com", "phone:+886912000111"}
ALT = "email:amy.w@mail.com"


def _two_customers(store: Store) -> tuple[str, str]:
    engine = engine_for(store)
    [first] = stitch(engine, [obs("r1", *AMY)], "test")
    [second] = stitch(engine, [obs("r2", ("email", "amy.w@mail.com"), hours=3)], "test")
    assert first.customer_id and second.customer_id
    return first.customer_id, second.customer_id


def test_link_joins_two_customers_with_a_steward_link_and_keeps_the_label(store: Store) -> None:
    engine = engine_for(store)
    old, young = _two_customers(store)
    result = stewardship.answer_review(
        engine, ident("email", "amy@mail.com"), ident("email", "Amy.W@mail.com"),
        "link", "same person, new mailbox", "key:k1:steward",
    )  # fmt: skip
    assert result.action == "review_link"
    assert result.customers == [old]
    assert partition(store) == {frozenset(AMY_KEYS | {ALT})}
    assert link_states(store)[(ALT, "email:amy@mail.com")] == "manual"
    [label] = store.review_labels()
    assert (label.a, label.b, label.decision) == (ALT, "email:amy@mail.com", "link")
    assert (label.actor, label.at, label.reason) == (
        "key:k1:steward",
        NOW,
        "same person, new mailbox",
    )
    _, entries = history(engine, old, 10, None)
    assert entries[0].entry.action == "review_link"
    assert young in entries[0].entry.customer_ids


def test_never_cuts_the_link_for_good(store: Store) -> None:
    engine = engine_for(store)
    alt = obs("r2", ("phone", "0912000111"), ("email", "amy.w@mail.com"), hours=2)
    stitch(engine, [obs("r1", *AMY), alt], "t")
    stewardship.answer_review(
        engine, ident("phone", "0912000111"), ident("email", "amy.w@mail.com"),
        "never", "the shop's phone", "steward",
    )  # fmt: skip
    assert partition(store) == {frozenset(AMY_KEYS), frozenset({ALT})}
    stitch(engine, [obs("r3", ("phone", "0912000111"), ("email", "amy.w@mail.com"), hours=9)], "t")
    assert partition(store) == {frozenset(AMY_KEYS), frozenset({ALT})}
    assert link_states(store)[(ALT, "phone:+886912000111")] == "suppressed"
    assert [x.decision for x in store.review_labels()] == ["never"]


def test_never_between_identifiers_never_seen_together_holds_when_they_are(store: Store) -> None:
    engine = engine_for(store)
    _two_customers(store)
    stewardship.answer_review(
        engine, ident("email", "amy@mail.com"), ident("email", "amy.w@mail.com"), "never", "no", "s"
    )
    stitch(
        engine, [obs("r3", ("email", "amy@mail.com"), ("email", "amy.w@mail.com"), hours=9)], "t"
    )
    assert len(partition(store)) == 2


def test_skip_records_only(store: Store) -> None:
    engine = engine_for(store)
    old, young = _two_customers(store)
    before = partition(store)
    result = stewardship.answer_review(
        engine,
        ident("email", "amy@mail.com"),
        ident("email", "amy.w@mail.com"),
        "skip",
        "later",
        "s",
    )
    assert result.action == "review_skip"
    assert sorted(result.customers) == sorted([old, young])
    assert partition(store) == before
    assert (ALT, "email:amy@mail.com") not in link_states(store)
    assert [x.decision for x in store.review_labels()] == ["skip"]
    assert history(engine, young, 10, None)[1][0].entry.action == "review_skip"


def test_labels_come_back_oldest_first(store: Store) -> None:
    engine = engine_for(store)
    _two_customers(store)
    a, b = ident("email", "amy@mail.com"), ident("email", "amy.w@mail.com")
    for decision in ("skip", "never", "link"):
        stewardship.answer_review(engine, a, b, decision, decision, "s")
    assert [x.decision for x in store.review_labels()] == ["skip", "never", "link"]
    assert customer_of(engine, "email", "amy.w@mail.com") == customer_of(
        engine, "email", "amy@mail.com"
    )


def test_an_unknown_identifier_is_refused_and_nothing_is_recorded(store: Store) -> None:
    engine = engine_for(store)
    _two_customers(store)
    with pytest.raises(NotFound):
        stewardship.answer_review(
            engine,
            ident("email", "amy@mail.com"),
            ident("email", "nobody@mail.com"),
            "link",
            "x",
            "s",
        )
    with pytest.raises(Unprocessable):
        stewardship.answer_review(
            engine, ident("email", "amy@mail.com"), ident("email", "AMY@mail.com"), "link", "x", "s"
        )
    with pytest.raises(Unprocessable):
        stewardship.answer_review(
            engine,
            ident("email", "amy@mail.com"),
            ident("email", "amy.w@mail.com"),
            "maybe",
            "x",
            "s",
        )
    assert store.review_labels() == []
