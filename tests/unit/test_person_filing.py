"""Kept person evidence (resolvers/identity/person/filing.py): it reads back as parsed, and
it is never read under another parse version or another trust order of kinds."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import orjson
from hypothesis import given
from hypothesis import strategies as st

from resolvers.identity.person import filing
from resolvers.identity.person.blocking import blocking_keys
from resolvers.identity.person.proposals import PersonEvidence, anchor_of, evidence_of
from resolvers.identity.person.record import PersonRecord, person_record
from resolvers.identity.policy import load_policy

POLICY = load_policy(None)
AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)

# Messy records of the kinds channels send: scripts, spellings of dates, titles, swapped
# fields, abbreviations, nicknames, placeholders. Their parse is pinned to PARSE_VERSION.
CORPUS: list[dict[str, object]] = [
    {"first_name": "Jane", "last_name": "Doe", "birth_date": "1990-02-03", "postcode": "2000"},
    {"first_name": "Mrs. Jane", "last_name": "DOE", "birth_date": "03/02/1990"},
    {"first_name": "Doe", "last_name": "Jane", "birth_date": "19900203", "gender": "F"},
    {"first_name": "美玲", "last_name": "陳", "birth_date": "1988/7/9", "city": "臺北市"},
    {"first_name": "陳美玲", "birth_date": "1988-07-09", "gender": "女"},
    {"first_name": "Mei-Ling", "last_name": "Chen", "street": "12 Sec. 4, Zhongxiao E. Road"},
    {"first_name": "Tom", "last_name": "Chudleigh", "birth_date": "1955-12-31"},
    {"first_name": "Thomas", "last_name": "Chudleigh", "postcode": "SW1A 1AA", "city": "London"},
    {"first_name": "José", "last_name": "Núñez", "birth_date": "12/31/1979", "country": "ES"},
    {"first_name": "김", "last_name": "민준", "birth_date": "1999.1.2", "gender": "male"},
    {"first_name": "たなか", "last_name": "ひろし", "street": "1-2-3 Shibuya", "postcode": "150"},
    {"first_name": "Bert", "last_name": "O'Neil", "birth_date": "1900-01-01"},
    {"first_name": "  ", "last_name": None, "birth_date": "not a date", "postcode": 2000},
    {"first_name": "Anna", "last_name": "Smith", "street": "5 Main Street", "address_line2": "4"},
    {"first_name": "Dr John Paul", "last_name": "van der Berg", "birth_date": "1970-13-01"},
    {"first_name": "Ｊｏｈｎ", "last_name": "Ｓｍｉｔｈ", "birth_date": "１９８０-０１-０２"},
]
ANCHORS = [
    ["email:jane@a.com", "crm_id:C1", "anonymous_id:abc"],
    ["phone:+886912345678", "line_id:U123", "email:b@c.com"],
    ["anonymous_id:z", "anonymous_id:a"],
    ["loyalty_id:L9", "phone:+61412345678"],
]
# sha256 of the corpus's parses, blocking keys and anchors under each parse version
PARSED = {1: "ccac9fd2ce2d81c2b06ae4f4c36071e7a9286e8617d8271170fac7be0a7eeeb7"}


def _parses() -> str:
    out: list[object] = []
    for attributes in CORPUS:
        record = person_record(attributes)
        out.append([*(getattr(record, f) for f in record.__slots__), blocking_keys(record)])
    out.extend(anchor_of(keys, POLICY) for keys in ANCHORS)
    return hashlib.sha256(orjson.dumps(out)).hexdigest()


def test_what_this_parse_version_parses_is_pinned() -> None:
    assert PARSED.get(filing.PARSE_VERSION) == _parses(), (
        "person_record or blocking_keys parse the corpus otherwise: evidence kept by stores "
        "would be read stale. Bump filing.PARSE_VERSION and pin the new digest here."
    )


def _evidence(**fields: str) -> PersonEvidence:
    record = PersonRecord(**fields)
    found = evidence_of("obs-1", AT, "crm_id:C1", record)
    assert found is not None
    return found


def test_kept_evidence_reads_back_as_parsed() -> None:
    found = _evidence(first_name="jane", last_name="doe", birth_date="1990-02-03", postcode="2000")
    tag = filing.tag_of(POLICY)
    assert filing.decode(filing.encode(found, tag), tag, "obs-1", found.blocks) == found


def test_a_reader_gets_only_the_keys_it_may_use() -> None:
    found = _evidence(first_name="jane", last_name="doe", birth_date="1990-02-03", postcode="2000")
    tag = filing.tag_of(POLICY)
    usable = set(found.blocks[1:3]) | {"not:a-key-of-it"}
    back = filing.decode(filing.encode(found, tag), tag, "obs-1", usable)
    assert back == replace(found, blocks=found.blocks[1:3])


def test_evidence_kept_under_another_tag_or_garbled_is_not_read() -> None:
    found = _evidence(first_name="jane", last_name="doe", birth_date="1990-02-03")
    tag = filing.tag_of(POLICY)
    text = filing.encode(found, tag)
    assert filing.decode(text, f"{tag}x", "obs-1", found.blocks) is None
    for garbled in ("", "{", "[]", '{"a": 1}', text[:-2], orjson.dumps([tag] * 11).decode()):
        assert filing.decode(garbled, tag, "obs-1", found.blocks) is None


def test_the_tag_follows_the_trust_order_of_kinds_and_nothing_else() -> None:
    tag = filing.tag_of(POLICY)
    assert filing.tag_of(load_policy(None)) == tag
    assert filing.tag_of(load_policy("[match]\nupper = 30\n")) == tag
    reordered = load_policy("[kinds.email]\npriority = 99\n")
    assert filing.tag_of(reordered) != tag
    assert tag.startswith(f"{filing.PARSE_VERSION}:")


texts = st.text(max_size=12)


@given(
    attributes=st.fixed_dictionaries(
        {},
        optional={
            "first_name": texts,
            "last_name": texts,
            "birth_date": st.one_of(texts, st.dates().map(str)),
            "gender": st.sampled_from(["m", "F", "女", "x"]),
            "street": texts,
            "city": texts,
            "postcode": texts,
            "country": texts,
        },
    ),
    keys=st.lists(
        st.sampled_from(["crm_id:C1", "email:a@b.com", "phone:+886912345678", "anonymous_id:x"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    offset=st.integers(-12 * 60, 14 * 60),
)
def test_any_records_evidence_round_trips(
    attributes: dict[str, str], keys: list[str], offset: int
) -> None:
    at = AT.astimezone(timezone(timedelta(minutes=offset)))
    found = evidence_of("obs-9", at, anchor_of(keys, POLICY), person_record(attributes))
    if found is None:
        return
    tag = filing.tag_of(POLICY)
    back = filing.decode(filing.encode(found, tag), tag, "obs-9", found.blocks)
    assert back == found
    assert back is not None and back.observed_at.utcoffset() == at.utcoffset()
