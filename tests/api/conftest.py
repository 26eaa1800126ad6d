"""An API over a real in-memory SQLite store, with keys of each scope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.services.keys import create_key
from app.settings import Settings
from tests.factories import engine as build_engine
from tests.support.api import Api


@pytest.fixture
def api() -> Iterator[Api]:
    engine = build_engine()
    settings = Settings(max_request_bytes=64 * 1024)
    app = create_app(settings, engine=engine)
    headers = {}
    for scope in ("ingest", "read", "steward", "marketing", "admin"):
        secret = create_key(engine, f"{scope} key", [scope]).secret
        headers[scope] = {"Authorization": f"Bearer {secret}"}
    with TestClient(app) as client:
        yield Api(client, engine, headers)
