"""Kept person evidence (resolvers/identity/person/filing.py): it reads back as parsed, and
it is never read under another parse (code, libraries) or another trust order of kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.demo.channels import generate_observations
from app.services.demo import raw_observation
from app.services.reresolution import reresolve_store
from app.services.stitching import stitch
from app.store.sqlite.graph import SqliteGraph
from app.store.sqlite.store import SqliteStore
from resolvers.identity.normalise import Normaliser
from resolvers.identity.person import filing
from resolvers.identity.person import record as record_module
from resolvers.identity.person.proposals import PersonEvidence, evidence_of, record_evidence
from resolvers.identity.person.record import PersonRecord
from resolvers.identity.policy import load_policy
from tests.factories import engine, link_decisions, partition

POLICY = load_policy(None)
AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)

# Messy records of the kinds channels send: scripts, spellings of dates, titles, swapped
# fields, abbreviations, nicknames, placeholders.
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
    {"first_name": "Zoë", "last_name": "Ng", "birth_date": "2001-02-03", "country": '\x1f"]'},
]
KEYS = [
    ["email:jane@a.com", "crm_id:C1", "anonymous_id:abc"],
    ["phone:+886912345678", "line_id:U123", "email:b@c.com"],
    ["anonymous_id:z", "anonymous_id:a"],
    ["loyalty_id:L9", "phone:+61412345678"],
    ['crm_id:"quoted",\\ and ]', "email:x@y.com"],
]


def test_every_messy_records_kept_evidence_reads_back_as_parsing_gives_it() -> None:
    tag = filing.tag_of(POLICY)
    kept = 0
    for n, attributes in enumerate(CORPUS):
        keys = KEYS[n % len(KEYS)]
        found = record_evidence(f"obs-{n}", AT, keys, attributes, POLICY)
        if found is None:
            continue
        kept += 1
        assert filing.decode(filing.encode(found, tag), tag, f"obs-{n}", found.blocks) == found
    assert kept >= 12


def test_a_change_to_the_parsing_code_or_its_libraries_sets_kept_texts_aside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tag = filing.tag_of(POLICY)
    read = filing._source

    def tagged(edit: Callable[[str], str]) -> str:
        def edited(path: str | None) -> bytes:
            text = read(path)
            return edit(text.decode()).encode() if path == record_module.__file__ else text

        filing.parse_fingerprint.cache_clear()
        monkeypatch.setattr(filing, "_source", edited)
        found = filing.tag_of(POLICY)
        monkeypatch.setattr(filing, "_source", read)
        filing.parse_fingerprint.cache_clear()
        return found

    # as if "way" had been added to the street words: a parse kept texts cannot show
    assert tagged(lambda s: s + '\nEXTRA_STREET_WORDS = ("way",)\n') != tag
    assert tagged(lambda s: s.replace("return ", "return  None or ", 1)) != tag
    # comments, docstrings and layout do not change what the parse answers
    assert tagged(lambda s: s + "\n# a comment\n") == tag
    assert tagged(lambda s: s.replace('"""', '"""Reworded. ', 1)) == tag
    assert tagged(lambda s: s.replace("\n\n\n", "\n\n\n\n")) == tag
    assert filing.tag_of(POLICY) == tag
    monkeypatch.setattr(filing, "_version", lambda name: f"{name}=99")
    filing.parse_fingerprint.cache_clear()
    assert filing.tag_of(POLICY) != tag
    monkeypatch.undo()
    filing.parse_fingerprint.cache_clear()
    assert filing.tag_of(POLICY) == tag


def test_the_code_digest_keeps_what_a_module_does() -> None:
    base = filing._code(b'"""Doc."""\nX = 1\n\ndef f():\n    """Doc."""\n    return X\n')
    assert filing._code(b"X = 1  # one\ndef f():\n    return X\n") == base
    assert filing._code(b"X = 2\ndef f():\n    return X\n") != base
    assert filing._code(b'def f():\n    """Only a docstring."""\n') == filing._code(
        b"def f():\n    pass\n"
    )
    # not Python source: digested as it is, so that any change still shows
    assert filing._code(b"def broken(:\n") == b"def broken(:\n"
    assert filing._code(b"\x00\x01compiled") != filing._code(b"\x00\x02compiled")
    # a module in another encoding is read as its coding line says
    latin = "# -*- coding: latin-1 -*-\nNAME = 'Jos\u00e9'\n"
    other = "# -*- coding: latin-1 -*-\nNAME = 'Jos\u00e8'\n"
    assert filing._code(latin.encode("latin-1")) != filing._code(other.encode("latin-1"))
    assert filing._code(latin.encode("latin-1")) == filing._code(
        latin.replace("NAME", "\nNAME").encode("latin-1")
    )


def test_the_parsing_modules_are_those_the_parse_calls() -> None:
    names = {m.__name__.rsplit(".", 1)[-1] for m in filing.PARSING_MODULES}
    assert {"record", "names", "compare", "blocking", "proposals"} <= names
    assert filing._source(record_module.__file__) != b"?"


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
    parts = orjson.loads(text)
    garbled = [
        "",
        "{",
        "[]",
        '{"a": 1}',
        text[:-2],
        orjson.dumps([tag] * len(parts)).decode(),  # the right length, wrong types
        orjson.dumps([*parts[:1], "not a time", *parts[2:]]).decode(),
        orjson.dumps(parts[:-1]).decode(),  # a field short
    ]
    for garbled_text in garbled:
        assert filing.decode(garbled_text, tag, "obs-1", found.blocks) is None


def test_the_tag_follows_the_trust_order_of_kinds_and_nothing_else() -> None:
    tag = filing.tag_of(POLICY)
    assert filing.tag_of(load_policy(None)) == tag
    assert filing.tag_of(load_policy("[match]\nupper = 30\n")) == tag
    reordered = load_policy("[kinds.email]\npriority = 99\n")
    assert filing.tag_of(reordered) != tag
    assert tag.startswith(f"{filing.PARSE_VERSION}:{filing.parse_fingerprint()}:")


@given(
    record=st.builds(PersonRecord, *(st.text(max_size=8) for _ in fields(PersonRecord))),
    anchor=st.text(max_size=20),
    blocks=st.lists(st.text(max_size=10), max_size=6, unique=True).map(lambda b: tuple(sorted(b))),
    offset=st.integers(-12 * 60, 14 * 60),
)
def test_any_evidence_round_trips(
    record: PersonRecord, anchor: str, blocks: tuple[str, ...], offset: int
) -> None:
    at = AT.astimezone(timezone(timedelta(minutes=offset)))
    found = PersonEvidence("obs-9", at, anchor, record, blocks)
    tag = filing.tag_of(POLICY)
    back = filing.decode(filing.encode(found, tag), tag, "obs-9", set(blocks))
    assert back == replace(found, observed_at=at.astimezone(UTC))
    assert back is not None and back.observed_at == at


def _build(records: list[dict[str, Any]], *, kept: bool) -> tuple[object, object]:
    """Stitch demo records in batches (the trust order of kinds changes half-way, then the
    store is re-resolved): the partition and links, with kept texts or always parsing."""
    store = SqliteStore(":memory:")
    first = replace(engine(store), keep_person_evidence=kept)
    half = len(records) // 2
    for start in range(0, half, 60):
        stitch(first, [raw_observation(b) for b in records[start : start + 60]], "t")
    policy = load_policy("[kinds.loyalty_id]\npriority = 95\n[kinds.email]\npriority = 20\n")
    second = replace(
        first, policy=policy, normaliser=Normaliser(policy, "TW"), keep_person_evidence=kept
    )
    for start in range(half, len(records), 60):
        stitch(second, [raw_observation(b) for b in records[start : start + 60]], "t")
    reresolve_store(second, "steward", page_size=50)
    return partition(store), link_decisions(store)


def test_kept_texts_match_exactly_as_parsing_every_candidate_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = [o.body for o in generate_observations(120, seed=5)]
    with_texts = _build(records, kept=True)
    monkeypatch.setattr(SqliteGraph, "person_evidence", lambda self, ids: {})
    parsing = _build(records, kept=False)
    assert with_texts == parsing
    assert any(state == "matched" for state, _ in with_texts[1].values())
