"""Liveness, readiness and metrics: no key needed."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from app.api.deps import EngineDep
from app.api.errors import RETRY_AFTER_S, error_body
from app.metrics import exposition
from app.store.protocol import StoreUnavailable

log = logging.getLogger("c360.api")
router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(engine: EngineDep) -> dict[str, str] | JSONResponse:
    """The store answers: ready to serve."""
    try:
        engine.store.ping()
    except StoreUnavailable as error:
        # the cause names hosts and ports: logged, not shown to callers without a key
        log.warning("not ready: %s", error)
        body = error_body("store_unavailable", f"the {engine.store.kind} store cannot be reached")
        return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER_S})
    return {"status": "ready", "store": engine.store.kind}


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """Prometheus metrics."""
    body, content_type = exposition()
    return Response(body, media_type=content_type)
