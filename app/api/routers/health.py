"""Liveness, readiness and metrics: no key needed."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from app.api.deps import EngineDep
from app.api.errors import error_body
from app.metrics import exposition
from app.store.protocol import StoreUnavailable

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
        body = error_body("store_unavailable", f"{engine.store.kind} store unreachable: {error}")
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return {"status": "ready", "store": engine.store.kind}


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """Prometheus metrics."""
    body, content_type = exposition()
    return Response(body, media_type=content_type)
