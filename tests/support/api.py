"""An API test client over a real store, with a key of each scope."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from app.engine import Engine


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
