"""POST /v1/events[/batch]: timeline events from every source."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.bodies import JsonRoute
from app.api.deps import EngineDep, Ingest, actor_of
from app.api.errors import items_of
from app.api.responses import EventBatchOut, EventOut
from app.api.routers.observations import ERRORS
from app.metrics import RECORDS
from app.schemas import EventBatchIn, EventIn
from app.services.events import EventResult, record_events

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=JsonRoute)


def _count(results: list[EventResult]) -> None:
    for result in results:
        RECORDS.labels("event", result.status).inc()


@router.post("", response_model=EventOut, responses=ERRORS)
def record_one(body: EventIn, engine: EngineDep, key: Ingest) -> EventResult:
    """Record one event; unknown types are accepted only as custom.*."""
    with items_of(None):
        results = record_events(engine, [body.raw()], actor_of(key))
    _count(results)
    return results[0]


@router.post("/batch", response_model=EventBatchOut, responses=ERRORS)
def record_batch(body: EventBatchIn, engine: EngineDep, key: Ingest) -> dict[str, object]:
    """Record up to 1,000 events atomically: all of them or, if any is invalid, none."""
    with items_of("events"):
        results = record_events(engine, [e.raw() for e in body.events], actor_of(key))
    _count(results)
    return {"results": results}
