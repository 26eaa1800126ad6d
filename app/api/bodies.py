"""Request bodies as the API reads them: strict JSON, so a bad body is a located 422.

Python's ``json`` takes ``NaN`` and ``Infinity`` (which no JSON peer can read back), and a
body that is not UTF-8 or nests past the interpreter's recursion limit escaped FastAPI's
JSON error path as a 400 or a 500. Routes built with ``JsonRoute`` read bodies here; what the
service stores inside a valid body is checked by the schemas (``app.schemas``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def parse_json(body: bytes) -> Any:
    """A JSON document from UTF-8 bytes; json.JSONDecodeError for anything that is not JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise json.JSONDecodeError("the body is not valid UTF-8", "", error.start) from None
    try:
        return json.loads(text, parse_constant=_not_a_number)
    except RecursionError:
        raise json.JSONDecodeError("the body is nested too deeply", "", 0) from None


def _not_a_number(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a JSON number", "", 0)


class JsonRequest(Request):
    """A request whose ``json()`` is ``parse_json``."""

    async def json(self) -> Any:
        """The body as strict JSON, parsed once."""
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class JsonRoute(APIRoute):
    """A route that reads its JSON body strictly (set as every router's ``route_class``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, given a JsonRequest."""
        handle = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handle(JsonRequest(request.scope, request.receive))

        return strict
