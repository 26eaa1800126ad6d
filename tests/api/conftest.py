"""An API over a real in-memory SQLite store, with keys of each scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.engine import Engine
from app.services.keys import create_key
from app.settings import Settings
from tests.builders import engine as build_engine


@dataclass
class Api:
    """A test client, its engine, and headers for keys of each scope."""

    client: TestClient
    engine: Engine
    headers: dict[str, dict[str, str]]

    def post(self, path: str, body: object, scope: str = "admin") -> object:
        return self.client.post(path, json=body, headers=self.headers[scope])

    def get(self, path: str, scope: str = "admin", **params: object) -> object:
        return self.client.get(path, params=params, headers=self.headers[scope])


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
