"""GET /v1/customers/{id}/stream: Server-Sent Events of what changes for one customer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated, Any

import anyio
import anyio.to_thread
import orjson
from fastapi import APIRouter, Header, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.datastructures import State
from starlette.types import Receive, Scope, Send

from app.api.bodies import JsonRoute
from app.api.deps import EngineDep, Read
from app.api.responses import ErrorOut
from app.engine import Engine
from app.services import live
from app.services.live import StreamSlots
from resolvers.customer360.live import stream_event

router = APIRouter(prefix="/v1/customers", tags=["live"], route_class=JsonRoute)
RETRY_MS = 1000  # how soon a browser's EventSource reconnects after a dropped connection
SEP = "\n"  # lines end in LF alone: the simplest for a hand-written reader to split
POLL_THREADS = 4  # threads streams may read the feed with at once: the rest serve requests


class _SlottedResponse(EventSourceResponse):
    """An event stream that gives its slot back however it ends."""

    def __init__(self, content: AsyncIterator[ServerSentEvent], slots: StreamSlots, **kw: Any):
        super().__init__(content, **kw)
        self._slots = slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._slots.give_back()


@router.get(
    "/{customer_id}/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "text/event-stream: timeline, profile, segment, merged, split; "
            "reset when resuming from before the oldest change the feed keeps"
        },
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
        422: {"model": ErrorOut},
        503: {"model": ErrorOut, "description": "too many open streams; retry later"},
    },
)
def stream(
    customer_id: str,
    request: Request,
    engine: EngineDep,
    key: Read,
    last_event_id: Annotated[
        int | None,
        Header(ge=0, description="the id of the last event received: resume after it"),
    ] = None,
) -> EventSourceResponse:
    """What changes for the customer, as it happens; a merge moves the stream to the survivor.

    Each event's id is its place in the change feed: reconnect with ``Last-Event-ID`` to
    resume without loss or repeats. Idle streams carry a comment heartbeat.
    """
    opened = live.open_watch(engine, customer_id, last_event_id)
    slots: StreamSlots = request.app.state.streams
    slots.take()
    settings = request.app.state.settings
    return _SlottedResponse(
        _follow(engine, opened, settings.stream_poll_s, request.app.state),
        slots,
        ping=settings.stream_ping_s,
        sep=SEP,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _follow(
    engine: Engine, opened: live.Opened, poll_s: float, state: State
) -> AsyncIterator[ServerSentEvent]:
    """Poll the feed from a worker thread (store calls block) and send what concerns the watch."""
    watch, after = opened.watch, opened.after
    yield ServerSentEvent(comment=f"following {watch.customer_id}", retry=RETRY_MS, sep=SEP)
    if opened.reset:
        # the changes after the client's last event are past the feed's retention
        yield ServerSentEvent(
            data=orjson.dumps(
                {
                    "topic": "reset",
                    "customer_id": watch.customer_id,
                    "reason": "changes after your last event were pruned (feed retention): "
                    "read the profile again; the stream goes on from here",
                }
            ).decode(),
            event="reset",
            id=str(after),
            sep=SEP,
        )
    limiter = _poll_limiter(state)
    while True:
        records = await anyio.to_thread.run_sync(
            partial(live.pending, engine, watch, after), limiter=limiter
        )
        for record in records:
            watch = watch.after(record)
            event = stream_event(watch, record)
            yield ServerSentEvent(
                data=orjson.dumps(event.data, default=str).decode(),
                event=event.event,
                id=event.id,
                sep=SEP,
            )
            after = record.seq
        if len(records) < live.BATCH:
            await anyio.sleep(poll_s)


def _poll_limiter(state: State) -> anyio.CapacityLimiter:
    """The app's limit on threads reading the feed for streams (made in the event loop)."""
    limiter: anyio.CapacityLimiter | None = getattr(state, "stream_reads", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(POLL_THREADS)
        state.stream_reads = limiter
    return limiter
