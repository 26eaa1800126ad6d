"""The demo generator: determinism, shape, realistic mess, and the quality metrics."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest

from app.demo.channels import GeneratedObservation, generate_observations
from app.demo.world import PLACEHOLDER_EMAILS, PLACEHOLDER_PHONES, Person, generate_world
from resolvers.identity.person.record import birth_date
from tests.support.truth import (
    evidence_ceiling,
    naive_components,
    pairwise_score,
    reference_normaliser,
    truth_clustering,
)

START = datetime(2024, 1, 1, tzinfo=UTC)
KINDS = {
    "email", "phone", "crm_id", "user_id", "loyalty_id", "line_id",
    "whatsapp_id", "messenger_id", "anonymous_id",
}  # fmt: skip
FORM_SOURCES = {"crm", "eshop", "loyalty", "warranty", "booking"}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def observations() -> list[GeneratedObservation]:
    """A 2,000-person data set, shared by the tests that only read it."""
    return generate_observations(2000, seed=11)


def values(observations: Sequence[GeneratedObservation], kind: str) -> list[tuple[str, str]]:
    """Every (raw value, person id) of one identifier kind."""
    return [
        (ident["value"], obs.person_id)
        for obs in observations
        for ident in obs.body["identifiers"]
        if ident["kind"] == kind
    ]


def shape_of(template: str) -> re.Pattern[str]:
    """A pattern matching strings shaped like ``template`` with any digits."""
    return re.compile("^" + "".join(r"\d" if c.isdigit() else re.escape(c) for c in template) + "$")


# -- determinism and shape ---------------------------------------------------------------------


def test_same_seed_same_output_and_different_seed_differs() -> None:
    first = generate_observations(300, seed=3)
    again = generate_observations(300, seed=3)
    other = generate_observations(300, seed=4)
    assert [(o.body, o.person_id) for o in first] == [(o.body, o.person_id) for o in again]
    assert [o.body for o in first] != [o.body for o in other]


def test_every_body_has_the_contract_shape(observations: list[GeneratedObservation]) -> None:
    end = START + timedelta(days=730)
    for obs in observations:
        body = obs.body
        assert set(body) == {"id", "source", "observed_at", "identifiers", "attributes"}
        assert body["id"].startswith(body["source"] + "-")
        assert ISO_Z.match(body["observed_at"])
        at = datetime.fromisoformat(body["observed_at"].replace("Z", "+00:00"))
        assert START <= at < end and at.tzinfo is not None
        assert body["identifiers"], body
        for ident in body["identifiers"]:
            assert set(ident) == {"kind", "value"}
            assert ident["kind"] in KINDS
            assert isinstance(ident["value"], str) and ident["value"]
        assert isinstance(body["attributes"], dict)
        for key, value in body["attributes"].items():
            assert isinstance(key, str) and isinstance(value, str | bool)
        if "birth_date" in body["attributes"]:
            assert birth_date(body["attributes"]["birth_date"]), body  # a spelling channels use
        assert obs.person_id.startswith("P")
        json.dumps(body)


def test_ids_are_unique_except_exact_duplicate_deliveries(
    observations: list[GeneratedObservation],
) -> None:
    by_id: dict[str, list[GeneratedObservation]] = defaultdict(list)
    for obs in observations:
        by_id[obs.body["id"]].append(obs)
    repeated = [group for group in by_id.values() if len(group) > 1]
    assert 0.003 * len(by_id) < len(repeated) < 0.03 * len(by_id)
    for group in repeated:
        assert len(group) == 2
        assert group[0].body == group[1].body and group[0].body is not group[1].body
        assert group[0].person_id == group[1].person_id


def test_records_per_person_and_order(observations: list[GeneratedObservation]) -> None:
    distinct = {(o.body["id"], o.person_id) for o in observations}
    per_person = Counter(person for _, person in distinct)
    assert len(per_person) > 1900
    # up to 12 channel records, and for some people one kiosk record sharing no identifier
    assert min(per_person.values()) >= 1 and max(per_person.values()) == 13
    assert Counter(per_person.values()).most_common(1)[0][0] <= 3  # most people have few
    times = [o.body["observed_at"] for o in observations]
    assert times != sorted(times)
    assert {o.body["source"] for o in observations} == {
        "crm", "eshop", "line", "whatsapp", "messenger", "pos", "loyalty",
        "warranty", "booking", "marketing", "web",
    }  # fmt: skip


def test_start_must_be_aware_and_region_supported() -> None:
    with pytest.raises(ValueError):
        generate_observations(5, start=datetime(2024, 1, 1))
    with pytest.raises(ValueError):
        generate_observations(5, region="ZZ")
    assert generate_observations(0) == []


def test_start_and_days_bound_observed_at() -> None:
    start = datetime(2025, 6, 1, 10, 30, 15, tzinfo=UTC)
    times = [o.body["observed_at"] for o in generate_observations(200, start=start, days=3)]
    assert min(times) >= "2025-06-01T10:30:15Z" and max(times) < "2025-06-04T10:30:15Z"


def test_every_value_is_valid_for_a_sane_normaliser(
    observations: list[GeneratedObservation],
) -> None:
    normalise = reference_normaliser("TW")
    for obs in observations:
        for ident in obs.body["identifiers"]:
            assert normalise(ident["kind"], ident["value"]), ident
    for kind in ("phone", "whatsapp_id"):
        for raw, _ in values(observations, kind):
            if raw in PLACEHOLDER_PHONES:
                continue
            assert phonenumbers.is_valid_number(phonenumbers.parse(raw, "TW")), raw


def test_invalid_rate_puts_one_bad_value_in_that_share_of_records() -> None:
    normalise = reference_normaliser("TW")
    data = generate_observations(500, seed=5, invalid_rate=0.2)
    bad = [
        o for o in data if any(not normalise(i["kind"], i["value"]) for i in o.body["identifiers"])
    ]
    assert 0.15 < len(bad) / len(data) < 0.25
    assert all(o.person_id.startswith("P") for o in bad)
    clean = generate_observations(500, seed=5)
    assert len(clean) == len(data)


# -- the world -------------------------------------------------------------------------------------


def test_world_has_households_shops_and_unique_personal_values() -> None:
    world = generate_world(2000, seed=11)
    assert len(world.people) == 2000
    in_households = sum(len(h.member_ids) for h in world.households)
    assert 0.28 < in_households / 2000 < 0.42
    assert all(2 <= len(h.member_ids) <= 5 for h in world.households)
    assert any(h.family_email for h in world.households)
    assert any(h.family_anonymous_id for h in world.households)
    assert 2 <= len(world.shops) <= 12
    shared = world.shared_values()
    assert shared["landline"] and shared["shop_phone"] and shared["family_email"]
    mobiles = [p.mobile.e164 for p in world.people if p.mobile]
    assert len(mobiles) == len(set(mobiles))
    assert 0.85 < len(mobiles) / 2000 < 0.95
    assert {p.mobile.country for p in world.people if p.mobile} == {886, 1, 81, 852, 60}
    crm = [p for p in world.people if p.crm_ids]
    assert any(len(p.crm_ids) == 2 for p in crm)
    for p in world.people:
        member = world.household_of(p)
        assert member is None or p.person_id in member.member_ids


# -- mess ----------------------------------------------------------------------------------------


def test_email_mess_is_present(observations: list[GeneratedObservation]) -> None:
    emails = [raw for raw, _ in values(observations, "email")]
    share = Counter[str]()
    for raw in emails:
        text = raw.strip()
        share["spaces"] += raw != text
        share["upper"] += text == text.upper()
        share["mixed"] += text not in (text.lower(), text.upper())
        share["plus"] += "+" in text
        share["googlemail"] += text.lower().endswith("@googlemail.com")
    n = len(emails)
    assert 0.02 < share["spaces"] / n < 0.07
    assert 0.01 < share["upper"] / n < 0.04
    assert 0.04 < share["mixed"] / n < 0.11
    assert share["plus"] > 10 and share["googlemail"] > 3
    gmail: dict[str, set[str]] = defaultdict(set)
    for raw in emails:
        local, _, domain = raw.strip().lower().partition("@")
        if domain == "gmail.com" and "+" not in local:
            gmail[local.replace(".", "")].add(local)
    assert sum(1 for spellings in gmail.values() if len(spellings) > 1) > 10


def test_phone_formats_and_full_width_digits_are_present(
    observations: list[GeneratedObservation],
) -> None:
    phones = [raw for raw, _ in values(observations, "phone")]
    for template in (
        "0912-345-678", "0912 345 678", "+886 912 345 678", "886912345678",
        "+886-9-1234-5678", "(02) 2712-3456", "02-27123456", "+886 2 2712 3456",
    ):  # fmt: skip
        pattern = shape_of(template)
        assert any(pattern.match(p) for p in phones), template
    assert any(any("０" <= c <= "９" for c in p) for p in phones)
    whatsapp = [raw for raw, _ in values(observations, "whatsapp_id")]
    assert any(w.startswith("886") for w in whatsapp) and any(w.startswith("+") for w in whatsapp)
    normalise = reference_normaliser("TW")
    keys = {k for raw in phones for k in normalise("phone", raw)}
    keys |= {k for raw in whatsapp for k in normalise("whatsapp_id", raw)}
    for code in ("+1", "+81", "+852", "+60"):
        assert any(k.startswith(f"phone:{code}") for k in keys), code


def test_placeholders_are_typed_by_several_people(
    observations: list[GeneratedObservation],
) -> None:
    for kind, placeholders in (("email", PLACEHOLDER_EMAILS), ("phone", PLACEHOLDER_PHONES)):
        people: dict[str, set[str]] = defaultdict(set)
        for raw, person in values(observations, kind):
            text = raw.strip().lower()
            if text in placeholders:
                people[text].add(person)
        assert set(people) == set(placeholders)
        assert all(len(who) >= 2 for who in people.values()), people


def clean_forms(person: Person) -> set[str]:
    """Every correct spelling of a person's names, folded for comparison."""
    n = person.name
    given = n.given_roman
    parts = {n.family_roman, given, given.replace("-", " "), given.replace("-", "")}
    if n.english:
        parts |= {n.english, f"{n.english} {n.family_roman}"}
    parts |= {f"{g} {n.family_roman}" for g in list(parts)}
    if n.given_han and n.family_han:
        parts |= {n.given_han, n.family_han, n.family_han + n.given_han}
    return {p.lower().replace(" ", "").replace("-", "") for p in parts}


def test_name_mess_is_present(observations: list[GeneratedObservation]) -> None:
    world = generate_world(2000, seed=11)
    people = {p.person_id: p for p in world.people}
    forms = [o for o in observations if o.body["source"] in FORM_SOURCES]
    missing = sum(1 for o in forms if "first_name" not in o.body["attributes"])
    assert 0.04 < missing / len(forms) < 0.15
    firsts = [(o.body["attributes"]["first_name"], o.person_id) for o in forms
              if "first_name" in o.body["attributes"]]  # fmt: skip
    assert any(f != f.strip() or "  " in f for f, _ in firsts)
    assert any(f.isascii() and f.isupper() for f, _ in firsts)
    assert any(f.isascii() and f.islower() for f, _ in firsts)
    typos = [
        f
        for f, person in firsts
        if f.strip().lower().replace(" ", "").replace("-", "") not in clean_forms(people[person])
    ]
    assert 0 < len(typos) < 0.05 * len(firsts)
    scripts: dict[str, set[bool]] = defaultdict(set)
    for f, person in firsts:
        scripts[person].add(f.isascii())
    assert sum(1 for s in scripts.values() if s == {True, False}) > 50  # Han and Latin names
    chat = [o.body["attributes"].get("name", "") for o in observations
            if o.body["source"] in ("line", "whatsapp")]  # fmt: skip
    assert any(n in ("Mom", "Dad", "媽咪", "老爸", "媽媽", "爸爸", "Mommy", "Daddy") for n in chat)
    assert any("🌸" in n or "✨" in n for n in chat)


def test_shared_values_reach_several_people(observations: list[GeneratedObservation]) -> None:
    world = generate_world(2000, seed=11)
    normalise = reference_normaliser("TW")
    people_of: dict[str, set[str]] = defaultdict(set)
    for obs in observations:
        for ident in obs.body["identifiers"]:
            for key in normalise(ident["kind"], ident["value"]):
                people_of[key].add(obs.person_id)
    shared = world.shared_values()
    for what in ("landline", "shop_phone"):
        assert any(len(people_of[f"phone:{v}"]) >= 2 for v in shared[what]), what
    assert any(len(people_of[f"email:{v}"]) >= 2 for v in shared["family_email"])
    assert any(len(people_of[f"anonymous_id:{v}"]) >= 2 for v in shared["family_computer"])
    crm_of: dict[str, set[str]] = defaultdict(set)
    for raw, person in values(observations, "crm_id"):
        crm_of[person].add(raw)
    assert any(len(ids) == 2 for ids in crm_of.values())


def test_attributes_and_reregistrations_are_present(
    observations: list[GeneratedObservation],
) -> None:
    keys = Counter(k for o in observations for k in o.body["attributes"])
    expected = (
        "first_name last_name name birth_date gender city preferred_language marketing_opt_in"
        " product_model serial_number"
    )
    for key in expected.split():
        assert keys[key] > 0, key
    signups = Counter(
        (o.person_id, o.body["source"], o.body["id"])
        for o in observations
        if o.body["source"] in FORM_SOURCES
    )
    per_person_source = Counter((person, source) for person, source, _ in signups)
    assert any(n >= 2 for n in per_person_source.values())


# -- metrics -------------------------------------------------------------------------------------

TRUTH = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2", "f": "3"}  # 3 + 1 = 4 true pairs


def test_pairwise_score_perfect() -> None:
    score = pairwise_score(TRUTH, {k: f"x{v}" for k, v in TRUTH.items()})
    assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)
    assert (score.true_pairs, score.predicted_pairs, score.correct_pairs) == (4, 4, 4)


def test_pairwise_score_all_merged() -> None:
    score = pairwise_score(TRUTH, dict.fromkeys(TRUTH, "all"))
    assert (score.true_pairs, score.predicted_pairs, score.correct_pairs) == (4, 15, 4)
    assert score.precision == pytest.approx(4 / 15)
    assert score.recall == 1.0
    assert score.f1 == pytest.approx(8 / 19)


def test_pairwise_score_all_split_and_missing_records_are_singletons() -> None:
    for predicted in ({}, {k: k for k in TRUTH}):
        score = pairwise_score(TRUTH, predicted)
        assert (score.precision, score.recall, score.f1) == (1.0, 0.0, 0.0)
        assert (score.true_pairs, score.predicted_pairs, score.correct_pairs) == (4, 0, 0)


def test_pairwise_score_partial() -> None:
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z", "f": "z", "extra": "x"}
    score = pairwise_score(TRUTH, predicted)
    assert (score.true_pairs, score.predicted_pairs, score.correct_pairs) == (4, 3, 1)
    assert score.precision == pytest.approx(1 / 3)
    assert score.recall == pytest.approx(1 / 4)
    assert score.f1 == pytest.approx(2 / 7)
    partial = pairwise_score(TRUTH, {"a": "x", "b": "x", "d": "x"})  # c, e, f missing
    assert (partial.predicted_pairs, partial.correct_pairs) == (3, 1)


def observation(rid: str, person: str, *identifiers: tuple[str, str]) -> GeneratedObservation:
    """A hand-made observation."""
    body = {
        "id": rid,
        "source": "test",
        "observed_at": "2024-01-01T00:00:00Z",
        "identifiers": [{"kind": k, "value": v} for k, v in identifiers],
        "attributes": {},
    }
    return GeneratedObservation(body, person)


def simple_normalise(kind: str, raw: str) -> Sequence[str]:
    """Lower-cased e-mails; phones as their digits without a leading 0 or 886."""
    value = raw.strip().lower()
    if kind == "email":
        return [f"email:{value}"] if "@" in value else []
    if kind in ("phone", "whatsapp_id"):
        digits = re.sub(r"\D", "", value).removeprefix("886").lstrip("0")
        if len(digits) < 8:
            return []
        return [f"phone:{digits}"] + ([f"whatsapp_id:{digits}"] if kind == "whatsapp_id" else [])
    return [f"{kind}:{value}"]


HAND_MADE = [
    observation("r01", "A", ("email", "amy@x.com"), ("phone", "(02) 2712-3456")),
    observation("r02", "A", ("email", " AMY@x.com"), ("line_id", "U1")),
    observation("r03", "B", ("phone", "02-27123456"), ("email", "bob@x.com")),  # shared landline
    observation("r04", "B", ("email", "bob@x.com")),
    observation("r05", "C", ("email", "test@test.com"), ("crm_id", "C1")),
    observation("r06", "A", ("email", "test@test.com"), ("line_id", "U1")),  # placeholder
    observation("r07", "C", ("crm_id", "C1")),
    observation("r08", "C", ("whatsapp_id", "+886 912 000 111")),
    observation("r09", "C", ("phone", "0912-000-111")),
    observation("r10", "B", ("phone", "n/a")),  # invalid: no key
]


def test_evidence_ceiling_ignores_shared_values() -> None:
    ceiling = evidence_ceiling(HAND_MADE, simple_normalise)
    assert ceiling == {
        "r01": "r01", "r02": "r01", "r06": "r01",
        "r03": "r03", "r04": "r03",
        "r05": "r05", "r07": "r05",
        "r08": "r08", "r09": "r08",
        "r10": "r10",
    }  # fmt: skip
    assert evidence_ceiling(HAND_MADE[::-1], simple_normalise) == ceiling
    score = pairwise_score(truth_clustering(HAND_MADE), ceiling)
    assert (score.true_pairs, score.predicted_pairs, score.correct_pairs) == (12, 6, 6)
    assert (score.precision, score.recall) == (1.0, 0.5)


def test_naive_components_glue_through_shared_values() -> None:
    naive = naive_components(HAND_MADE, simple_normalise)
    assert {naive[r] for r in ("r01", "r02", "r03", "r04", "r05", "r06", "r07")} == {"r01"}
    score = pairwise_score(truth_clustering(HAND_MADE), naive)
    assert (score.true_pairs, score.predicted_pairs, score.correct_pairs) == (12, 22, 6)


def test_ceiling_on_generated_data_is_precise_and_naive_linking_is_not() -> None:
    data = generate_observations(1000, seed=13)
    truth = truth_clustering(data)
    normalise = reference_normaliser("TW")
    ceiling = pairwise_score(truth, evidence_ceiling(data, normalise))
    naive = pairwise_score(truth, naive_components(data, normalise))
    assert ceiling.precision == 1.0
    assert 0.5 < ceiling.recall < 0.95
    assert naive.precision < 0.2 and naive.recall >= ceiling.recall


def test_birth_dates_come_in_several_spellings_and_some_records_share_no_identifier(
    observations: list[GeneratedObservation],
) -> None:
    spellings = {
        ("-" in b) + 2 * ("/" in b)
        for o in observations
        if isinstance(b := o.body["attributes"].get("birth_date"), str)
    }
    assert spellings == {0, 1, 2}  # 19900203, 1990-02-03, 1990/02/03
    kiosk = [o for o in observations if o.body["identifiers"][0]["value"].endswith("kioskmail.tw")]
    assert kiosk
    others = {i["value"] for o in observations if o not in kiosk for i in o.body["identifiers"]}
    assert all(o.body["identifiers"][0]["value"] not in others for o in kiosk)
