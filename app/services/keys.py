"""API keys: random secrets shown once; only their SHA-256 digest is stored."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from app.engine import Engine
from app.errors import Unprocessable
from app.store.protocol import ApiKeyRecord

SCOPES = ("ingest", "read", "steward", "marketing", "admin")
PREFIX = "c360_"
CACHE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly made key: the record as stored and the secret, which is never stored."""

    record: ApiKeyRecord
    secret: str


def digest(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(text: str | Sequence[str]) -> tuple[str, ...]:
    """Scopes from "ingest,read" or a list; unknown ones are refused."""
    items = text.split(",") if isinstance(text, str) else list(text)
    scopes = tuple(sorted({s.strip() for s in items if s.strip()}))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise Unprocessable(
            f"scopes are a comma-separated list of {', '.join(SCOPES)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            code="invalid_scopes",
        )
    return scopes


def create_key(engine: Engine, name: str, scopes: Sequence[str]) -> NewKey:
    """Make and store a new key; the secret is returned once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Unprocessable("a key needs a name of 1 to 100 characters", code="invalid_name")
    key_id = secrets.token_hex(4)
    secret = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    record = ApiKeyRecord(
        id=key_id,
        name=name,
        prefix=secret[:13],
        digest=digest(secret),
        scopes=tuple(scopes),
        created_at=engine.clock(),
    )
    engine.store.create_key(record)
    return NewKey(record, secret)


def grants(record: ApiKeyRecord, scope: str) -> bool:
    """Whether a key may act with a scope; admin may do everything."""
    return scope in record.scopes or "admin" in record.scopes


class KeyCache:
    """Authenticates bearer tokens, remembering answers briefly (revocation within 10 s)."""

    def __init__(self, engine: Engine, ttl: float = CACHE_SECONDS) -> None:
        self.engine = engine
        self.ttl = ttl
        self._seen: dict[str, tuple[float, ApiKeyRecord | None]] = {}

    def authenticate(self, token: str) -> ApiKeyRecord | None:
        """The live key a token is, or None."""
        if not token.startswith(PREFIX) or len(token) > 200:
            return None
        key = digest(token)
        now = time.monotonic()
        hit = self._seen.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            record = hit[1]
        else:
            record = self.engine.store.key_by_digest(key)
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[key] = (now, record)
        if record is None or record.revoked_at is not None:
            return None
        return record
