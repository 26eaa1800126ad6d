"""/mcp over Streamable HTTP on a real server: the SDK's client, with and without a valid key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from app.api.main import create_app
from app.services.keys import create_key, digest
from app.services.stitching import stitch
from app.settings import Settings
from app.store.sqlite.store import SqliteStore
from tests.factories import engine as build_engine
from tests.factories import obs
from tests.support.live import serve


@dataclass
class Http:
    url: str
    keys: dict[str, str]
    engine: Any


@pytest.fixture
def http(tmp_path: Path) -> Iterator[Http]:
    engine = build_engine(SqliteStore(str(tmp_path / "c360.db")))
    stitch(engine, [obs("o1", ("email", "amy@mail.com"), ("phone", "0912000111"))], "crm")
    keys = {s: create_key(engine, f"{s} agent", [s]).secret for s in ("read", "ingest")}
    # the transport admits read keys; a steward action also needs the steward scope
    keys["steward"] = create_key(engine, "steward agent", ["read", "steward"]).secret
    settings = Settings(mcp_steward_tools=True)
    with serve(create_app(settings, engine=engine)) as url:
        yield Http(f"{url}/mcp", keys, engine)
    engine.store.close()  # the app closes only the engines it builds


def session(url: str, key: str | None, work: Any) -> Any:
    """Run ``work(client)`` in an MCP session over Streamable HTTP with a bearer key."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    out: list[Any] = []

    async def main() -> None:
        async with httpx2.AsyncClient(headers=headers, timeout=10) as http_client:
            transport = streamable_http_client(url, http_client=http_client)
            async with Client(transport) as client:
                out.append(await work(client))

    anyio.run(main)
    return out[0]


def test_a_read_key_lists_and_calls_the_tools(http: Http) -> None:
    tools = session(http.url, http.keys["read"], lambda c: c.list_tools()).tools
    assert "get_context" in {t.name for t in tools}
    found = session(
        http.url,
        http.keys["read"],
        lambda c: c.call_tool("resolve_customer", {"kind": "phone", "value": "0912 000 111"}),
    )
    assert not found.is_error
    assert found.structured_content["customer_id"]
    context = session(
        http.url,
        http.keys["read"],
        lambda c: c.call_tool(
            "get_context", {"customer_id": found.structured_content["customer_id"]}
        ),
    )
    assert not context.is_error and "contact_rules" in context.structured_content


def test_without_a_valid_key_the_transport_answers_401_and_the_client_fails(http: Http) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    assert httpx.post(http.url, json=message, headers=headers).status_code == 401
    wrong = {**headers, "Authorization": "Bearer c360_nope_nope"}
    assert httpx.post(http.url, json=message, headers=wrong).status_code == 401
    ingest_only = {**headers, "Authorization": f"Bearer {http.keys['ingest']}"}
    assert httpx.post(http.url, json=message, headers=ingest_only).status_code == 403
    with pytest.raises(Exception):  # noqa: B017 - the SDK raises its own transport error
        session(http.url, None, lambda c: c.list_tools())


def test_steward_tools_need_the_steward_scope_and_audit_the_agent(http: Http) -> None:
    arguments = {"a": "email:amy@mail.com", "b": "phone:0912000111", "reason": "two people"}
    refused = session(
        http.url, http.keys["read"], lambda c: c.call_tool("suppress_link", arguments)
    )
    assert refused.is_error and "steward" in refused.content[0].text
    done = session(
        http.url, http.keys["steward"], lambda c: c.call_tool("suppress_link", arguments)
    )
    assert not done.is_error, done.content
    customer = done.structured_content["customers"][0]
    history = http.engine.store.read(lambda tx: tx.history([customer], 10, None))
    steward_key = http.engine.store.key_by_digest(digest(http.keys["steward"]))
    assert history[0].entry.actor == f"agent:key:{steward_key.id}:steward agent"
