"""Stewards' review answers reach `c360 match train` as labels of record pairs."""

from __future__ import annotations

from app.services.stewardship import answer_review
from app.services.stitching import stitch
from app.services.training import steward_labels, train
from tests.factories import engine, ident, obs

JANE = {"first_name": "Jane", "last_name": "Doe", "birth_date": "1990-02-03"}


def test_link_and_never_answers_label_the_records_of_the_two_identifiers() -> None:
    eng = engine()
    stitch(eng, [obs("crm-1", ("crm_id", "C1"), **JANE)], "crm")
    stitch(eng, [obs("shop-1", ("email", "jd@b.com"), hours=24, **JANE)], "shop")
    stitch(eng, [obs("pos-1", ("loyalty_id", "L9"), hours=48, first_name="Jon")], "pos")
    assert steward_labels(eng) == {}

    answer_review(eng, ident("crm_id", "C1"), ident("email", "jd@b.com"), "link", "same", "s")
    answer_review(eng, ident("crm_id", "C1"), ident("loyalty_id", "L9"), "never", "not", "s")
    answer_review(eng, ident("email", "jd@b.com"), ident("loyalty_id", "L9"), "skip", "?", "s")

    assert steward_labels(eng) == {("crm-1", "shop-1"): True, ("crm-1", "pos-1"): False}
    # a later answer about the same pair overrides the earlier one
    answer_review(eng, ident("crm_id", "C1"), ident("email", "jd@b.com"), "never", "twins", "s")
    assert steward_labels(eng)[("crm-1", "shop-1")] is False
    trained = train(eng, random_pairs=50, labels=steward_labels(eng))
    assert trained.records == 2  # the two records that name a person well enough to compare
