"""Dependencies: the engine from app state, and the calling key with its scope checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.engine import Engine
from app.services.keys import KeyCache, grants
from app.store.protocol import ApiKeyRecord


def get_engine(request: Request) -> Engine:
    """The engine the lifespan built."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


# Declares the scheme in the OpenAPI document (clients and Swagger UI's Authorize button);
# auto_error is off so a missing key answers our 401 document, not FastAPI's 403.
BEARER = HTTPBearer(
    scheme_name="apiKey",
    description="An API key from `c360 keys create`: `Authorization: Bearer <key>`",
    auto_error=False,
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def _key(request: Request, credentials: HTTPAuthorizationCredentials | None) -> ApiKeyRecord:
    token = credentials.credentials if credentials is not None else ""
    if not token.strip():
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="send an API key: Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    keys: KeyCache = request.app.state.keys
    record = keys.authenticate(token.strip())
    if record is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="the API key is unknown or revoked",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.key_id = record.id
    return record


def scope(name: str) -> Callable[[Request, HTTPAuthorizationCredentials | None], ApiKeyRecord]:
    """A dependency that admits keys holding ``name`` (or admin)."""

    def check(request: Request, credentials: Credentials) -> ApiKeyRecord:
        record = _key(request, credentials)
        if not grants(record, name):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"this key lacks the '{name}' scope"
            )
        return record

    check.__name__ = f"requires_{name}"
    return check


def actor_of(key: ApiKeyRecord) -> str:
    """How an API caller appears in the audit log."""
    return f"key:{key.id}:{key.name}"


def any_key(request: Request, credentials: Credentials) -> ApiKeyRecord:
    """A dependency that admits any valid key, whatever its scopes."""
    return _key(request, credentials)


AnyKey = Annotated[ApiKeyRecord, Depends(any_key)]
Ingest = Annotated[ApiKeyRecord, Depends(scope("ingest"))]
Read = Annotated[ApiKeyRecord, Depends(scope("read"))]
Steward = Annotated[ApiKeyRecord, Depends(scope("steward"))]
Marketing = Annotated[ApiKeyRecord, Depends(scope("marketing"))]
Admin = Annotated[ApiKeyRecord, Depends(scope("admin"))]
