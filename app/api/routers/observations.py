"""POST /v1/observations[/batch]: stitch records from channels."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.bodies import JsonRoute
from app.api.deps import EngineDep, Ingest, actor_of
from app.api.errors import items_of
from app.api.responses import ErrorOut, StitchBatchOut, StitchOut
from app.metrics import RECORDS
from app.schemas import ObservationBatchIn, ObservationIn
from app.services.stitching import StitchResult, stitch

router = APIRouter(prefix="/v1/observations", tags=["observations"], route_class=JsonRoute)
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    409: {"model": ErrorOut, "description": "an id was stored before with a different body"},
    413: {"model": ErrorOut},
    422: {"model": ErrorOut, "description": "invalid; nothing was written"},
    503: {"model": ErrorOut, "description": "store unavailable; retry after Retry-After"},
}


def _count(results: list[StitchResult]) -> None:
    for result in results:
        RECORDS.labels("observation", result.status).inc()


@router.post("", response_model=StitchOut, responses=ERRORS)
def stitch_one(body: ObservationIn, engine: EngineDep, key: Ingest) -> StitchResult:
    """Stitch one observation; answers its customer and what merged or was rejected."""
    with items_of(None):
        results = stitch(engine, [body.raw()], actor_of(key))
    _count(results)
    return results[0]


@router.post("/batch", response_model=StitchBatchOut, responses=ERRORS)
def stitch_batch(body: ObservationBatchIn, engine: EngineDep, key: Ingest) -> dict[str, object]:
    """Stitch up to 1,000 observations atomically: all of them or, if any is invalid, none."""
    with items_of("observations"):
        results = stitch(engine, [o.raw() for o in body.observations], actor_of(key))
    _count(results)
    return {"results": results}
