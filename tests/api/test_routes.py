"""Rules every route of the API keeps, checked over the routes the app really serves."""

from __future__ import annotations

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from app.api.bodies import JsonRoute
from tests.support.api import Api


def _routes(routes: list[BaseRoute]) -> list[APIRoute]:
    out: list[APIRoute] = []
    for route in routes:
        nested = getattr(route, "original_router", None)  # FastAPI's included routers
        if nested is not None:
            out.extend(_routes(nested.routes))
        elif isinstance(route, APIRoute):
            out.append(route)
    return out


def test_every_v1_route_reads_bodies_as_strict_json(api: Api) -> None:
    routes = [r for r in _routes(api.client.app.router.routes) if r.path.startswith("/v1/")]
    assert len(routes) > 30
    loose = sorted(f"{sorted(r.methods)} {r.path}" for r in routes if not isinstance(r, JsonRoute))
    assert loose == []


def test_a_405_names_every_method_of_its_path(api: Api) -> None:
    answer = api.client.request("DELETE", "/v1/segments", headers=api.headers["admin"])
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    preview = api.client.request("OPTIONS", "/v1/segments/preview", headers=api.headers["admin"])
    assert preview.status_code == 405 and preview.headers["allow"] == "POST"
    put = api.client.request("PATCH", "/v1/segments/seg_x", headers=api.headers["admin"])
    assert put.headers["allow"] == "DELETE, GET, PUT"
