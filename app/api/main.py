"""The composition root of the HTTP service: ``create_app(settings)`` builds everything."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Route

from app.agents.http import McpEndpoint
from app.agents.server import build_mcp
from app.api import docs, errors
from app.api.middleware import Guard
from app.api.routers import (
    console,
    customers,
    events,
    health,
    observations,
    policy,
    resolve,
    segments,
    steward,
    stream,
    webhooks,
)
from app.engine import Engine, build_engine
from app.metrics import PrometheusSink
from app.runtime import tune_gc
from app.services.keys import KeyCache
from app.services.live import StreamSlots
from app.services.workers import feed_workers
from app.settings import Settings

DESCRIPTION = """
Contact 360 turns the scattered records channels keep about a person into one customer
that keeps itself up to date. Send **observations** (records that saw identifiers together)
and **events** (orders, messages, bookings…); read customers by any identifier.

Authenticate with `Authorization: Bearer <key>` (`c360 keys create`). Scopes: `ingest`,
`read`, `steward`, `admin` (admin may do everything). Errors are JSON:
`{"code", "message", "errors": [{"loc", "code", "message"}]}`.
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the API; the engine is built in the lifespan unless one is given (tests)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = engine is None
        built = engine or build_engine(settings)
        built.sink = PrometheusSink()
        app.state.engine = built
        app.state.keys = KeyCache(built)
        background = owned if settings.followers is None else settings.followers
        workers = feed_workers(built, settings) if background else []
        if owned:  # a served worker, not an app a test drives with its own engine
            tune_gc()
        for worker in workers:
            worker.start()
        try:
            async with agents.running():  # the MCP transport's task group
                yield
        finally:
            for worker in workers:
                worker.stop()
            if owned:
                built.store.close()

    app = FastAPI(
        title="Contact 360",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # app.api.docs serves it from vendored assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.streams = StreamSlots(settings.stream_max_open)
    errors.install(app)
    docs.install(app)
    app.add_middleware(
        Guard, max_bytes=settings.max_request_bytes, body_timeout_s=settings.body_timeout_s
    )
    routers = (health, observations, events, resolve, stream, customers, steward, policy)
    for router in (*routers, segments, webhooks):
        app.include_router(router.router)
    agents = McpEndpoint(
        build_mcp(lambda: app.state.engine, settings, keys=lambda: app.state.keys),
        settings.max_request_bytes,
    )
    app.router.routes.append(Route("/mcp", endpoint=agents))
    console.install(app)
    return app


def app_from_environment() -> FastAPI:
    """The factory ``c360 serve`` runs: settings from C360_* variables, logs configured."""
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    return create_app(settings)
