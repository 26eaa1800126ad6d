"""Identifiers: a kind and a normalised value, written as the key ``kind:value``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Identifier:
    """One normalised identifier, such as ``email:jane.doe@gmail.com``."""

    kind: str
    value: str

    @property
    def key(self) -> str:
        """The graph key, ``kind:value``."""
        return f"{self.kind}:{self.value}"

    @classmethod
    def from_key(cls, key: str) -> Identifier:
        """Split a key back into its kind and value."""
        kind, sep, value = key.partition(":")
        if not sep or not kind or not value:
            raise ValueError("an identifier key is written kind:value")
        return cls(kind, value)


def kind_of(key: str) -> str:
    """The kind part of a key, without building an Identifier."""
    return key[: key.index(":")]


def mask(key: str) -> str:
    """A key safe for logs: the kind and a short, non-reversible digest of the value."""
    kind, _, value = key.partition(":")
    digest = hashlib.blake2b(value.encode(), digest_size=5).hexdigest()
    return f"{kind}:#{digest}"
