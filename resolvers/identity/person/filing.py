"""A record's person evidence as the store keeps it beside its filings, so that a later batch
meeting the record as a candidate reads its parsed evidence instead of decoding the stored
observation and normalising its names and address again.

What is kept is derived data: a function of the record's identifiers and attributes (both
immutable once stored), of the code that parses them and the libraries it calls, and of
the policy's trust order of kinds (the anchor). Every text carries a tag of all of them; a
text under another tag is not read (``decode`` answers None) and the record is parsed from
its observation, as before any text was kept, and kept again. So a policy that ranks kinds
otherwise, a release whose parsing differs, or an upgraded transliteration library is never
answered from stale evidence; ``c360 reresolve`` keeps every record's text again at once.
"""

from __future__ import annotations

import ast
import hashlib
import sys
import unicodedata
from collections.abc import Collection
from dataclasses import fields
from datetime import UTC, datetime
from functools import cache
from importlib import import_module, metadata
from pathlib import Path

import orjson

from resolvers.identity.person.proposals import PersonEvidence
from resolvers.identity.person.record import PersonRecord
from resolvers.identity.policy import MergePolicy

# Bump to set kept texts aside when the parse changes in a way the tag cannot see (data read
# from elsewhere at run time). Sources and library versions are in the tag already.
PARSE_VERSION = 1
# what person_record, blocking_keys and anchor_of answer depends on these modules' code...
PARSING_MODULES = tuple(
    import_module(f"resolvers.identity.person.{name}")
    for name in ("record", "names", "compare", "blocking", "proposals")
)
# ...and on these libraries (transliteration, phonetic codes, nicknames) and Unicode's tables
PARSING_LIBRARIES = ("anyascii", "pypinyin", "jellyfish", "nicknames")
_FIELDS = tuple(f.name for f in fields(PersonRecord))
_PARTS = 4 + len(_FIELDS)  # tag, time, anchor, the record's fields, blocking keys


@cache
def parse_fingerprint() -> str:
    """A digest of what parsing depends on: PARSE_VERSION, the parsing modules' code, the
    libraries' versions, the Unicode version and the interpreter's."""
    digest = hashlib.blake2b(digest_size=8)
    for part in (
        str(PARSE_VERSION),
        unicodedata.unidata_version,
        f"{sys.version_info.major}.{sys.version_info.minor}",
        *(_version(name) for name in PARSING_LIBRARIES),
    ):
        digest.update(part.encode() + b"\0")
    for module in PARSING_MODULES:
        digest.update(_code(_source(module.__file__)) + b"\0")
    return digest.hexdigest()


def tag_of(policy: MergePolicy) -> str:
    """The parse's fingerprint and the policy's trust order of kinds, which picks anchors."""
    ranks = orjson.dumps(sorted((kind, policy.priority(kind)) for kind in policy.kinds))
    order = hashlib.blake2b(ranks, digest_size=8).hexdigest()
    return f"{PARSE_VERSION}:{parse_fingerprint()}:{order}"


def encode(evidence: PersonEvidence, tag: str) -> str:
    """The text a store keeps for this evidence."""
    r = evidence.record
    return orjson.dumps(
        [
            tag,
            evidence.observed_at.astimezone(UTC).isoformat(),
            evidence.anchor,
            *(getattr(r, name) for name in _FIELDS),
            evidence.blocks,
        ]
    ).decode()


def decode(text: str, tag: str, id: str, usable: Collection[str]) -> PersonEvidence | None:
    """The evidence of record ``id`` under those of its blocking keys it may use (``usable``,
    as ``proposals.keeping``), or None when the text was kept under another tag or is not
    one this module wrote."""
    try:
        parts = orjson.loads(text)
        if not isinstance(parts, list) or len(parts) != _PARTS or parts[0] != tag:
            return None
        at = datetime.fromisoformat(parts[1])
        person = PersonRecord(*parts[3:-1])
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return None
    # positional, and a list made first: some 22,000 candidates a batch at millions stored
    return PersonEvidence(id, at, parts[2], person, tuple([b for b in parts[-1] if b in usable]))


def _version(name: str) -> str:
    try:
        return f"{name}={metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name}=?"


def _source(path: str | None) -> bytes:
    try:
        return Path(path).read_bytes() if path else b"?"
    except OSError:
        return b"?"


def _code(source: bytes) -> bytes:
    """What a module does, without its comments, docstrings and layout: an edit to those
    leaves every kept text standing (a store of millions would parse them all again). Bytes
    that are not Python source (compiled code only) are digested as they are."""
    try:
        tree = ast.parse(source)  # honours a coding declaration
    except (SyntaxError, ValueError):
        return source
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree).encode()
