"""The MCP server driven by the SDK's own client, in memory, over a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult

from app.agents.server import STDIO_ACTOR, build_mcp
from app.engine import Engine
from app.services.events import record_events
from app.services.segments import create_segment
from app.services.stitching import stitch
from app.settings import Settings
from resolvers.customer360.events import RawEvent
from tests.factories import engine as build_engine
from tests.factories import obs

T0 = datetime(2026, 1, 1, tzinfo=UTC)  # events: five months before the test clock's now

READ_TOOLS = {
    "resolve_customer",
    "get_profile",
    "get_context",
    "get_timeline",
    "explain_link",
    "search_customers",
    "customer_segments",
}
STEWARD_TOOLS = {"suppress_link", "detach_identifier", "block_identifier", "merge_customers"}


@pytest.fixture
def engine() -> Engine:
    engine = build_engine()
    stitch(
        engine,
        [
            obs("o1", ("email", "amy@mail.com"), ("phone", "0912000111"), first_name="Amy"),
            obs("o2", ("crm_id", "C77"), ("phone", "0912000111"), hours=24),
            obs("o3", ("email", "bob@mail.com"), hours=48),
        ],
        "crm",
    )
    record_events(
        engine,
        [
            RawEvent(
                "ord-1",
                "order.placed",
                T0,
                "eshop",
                [obs("x", ("email", "amy@mail.com")).identifiers[0]],
                {"order_id": "1", "total": 1280, "currency": "TWD"},
            ),
            RawEvent(
                "conv-1",
                "conversation.closed",
                T0 + timedelta(days=140),  # three weeks before the test clock's now
                "line",
                [obs("x", ("email", "amy@mail.com")).identifiers[0]],
                {
                    "conversation_id": "V1",
                    "channel": "line",
                    "sentiment": "negative",
                    "summary": "call me on 0912000111 or amy@mail.com",
                },
            ),
        ],
        "eshop",
    )
    return engine


def drive(engine: Engine, work: Callable[[Client], Awaitable[Any]], **settings: Any) -> Any:
    """Run ``work`` against an in-memory MCP session over ``engine``."""
    server = build_mcp(lambda: engine, Settings(**settings))
    out: list[Any] = []

    async def main() -> None:
        async with Client(server) as client:
            out.append(await work(client))

    anyio.run(main)
    return out[0]


def call(engine: Engine, name: str, arguments: dict[str, Any], **settings: Any) -> CallToolResult:
    result: CallToolResult = drive(engine, lambda c: c.call_tool(name, arguments), **settings)
    return result


def _amy(engine: Engine) -> str:
    found = call(engine, "resolve_customer", {"kind": "email", "value": " AMY@mail.com"})
    assert not found.is_error
    customer_id: str = found.structured_content["customer_id"]  # type: ignore[index]
    return customer_id


def test_read_tools_are_listed_read_only_with_typed_inputs_and_outputs(engine: Engine) -> None:
    tools = drive(engine, lambda c: c.list_tools()).tools
    assert {t.name for t in tools} == READ_TOOLS
    for tool in tools:
        assert tool.annotations.read_only_hint is True, tool.name
        assert tool.output_schema is not None, tool.name
        assert tool.input_schema["type"] == "object"
    resolve = next(t for t in tools if t.name == "resolve_customer")
    assert resolve.input_schema["required"] == ["kind", "value"]


def test_resolve_and_profile_and_masked_contacts(engine: Engine) -> None:
    customer = _amy(engine)
    profile = call(engine, "get_profile", {"customer_id": customer})
    assert not profile.is_error
    assert profile.structured_content["customer_id"] == customer  # type: ignore[index]
    text = json.dumps(profile.structured_content)
    assert "amy@mail.com" not in text and "912000111" not in text
    assert "a***@mail.com" in text
    full = call(engine, "get_profile", {"customer_id": customer}, mcp_contacts="full")
    assert "amy@mail.com" in json.dumps(full.structured_content)
    hidden = call(engine, "get_profile", {"customer_id": customer}, mcp_contacts="hidden")
    assert "mail.com" not in json.dumps(hidden.structured_content).replace("bob@mail.com", "")


def test_context_fits_its_budget_and_never_shows_contacts(engine: Engine) -> None:
    customer = _amy(engine)
    context = call(engine, "get_context", {"customer_id": customer, "max_chars": 600})
    doc = context.structured_content
    assert doc is not None
    assert len(json.dumps(doc, ensure_ascii=False, separators=(",", ":"))) <= 600
    assert list(doc)[:2] == ["contact_rules", "open_issues"]
    roomy = call(engine, "get_context", {"customer_id": customer}).structured_content
    assert roomy is not None
    assert [i["kind"] for i in roomy["open_issues"]] == ["negative_conversation"]
    text = json.dumps(roomy)
    assert "amy@mail.com" not in text and "0912000111" not in text and "912000111" not in text
    too_small = call(engine, "get_context", {"customer_id": customer, "max_chars": 10})
    assert too_small.is_error and "max_chars" in too_small.content[0].text  # type: ignore[union-attr]


def test_timeline_pages_and_filters(engine: Engine) -> None:
    customer = _amy(engine)
    page = call(engine, "get_timeline", {"customer_id": customer, "types": ["order.*"]})
    items = page.structured_content["items"]  # type: ignore[index]
    assert [i["id"] for i in items] == ["ord-1"]
    first = call(engine, "get_timeline", {"customer_id": customer, "limit": 1})
    cursor = first.structured_content["next_cursor"]  # type: ignore[index]
    assert cursor
    second = call(engine, "get_timeline", {"customer_id": customer, "limit": 1, "cursor": cursor})
    ids = [first.structured_content["items"][0]["id"], second.structured_content["items"][0]["id"]]  # type: ignore[index]
    assert sorted(ids) == ["conv-1", "ord-1"]
    bad = call(engine, "get_timeline", {"customer_id": customer, "types": ["nonsense"]})
    assert bad.is_error and "invalid_types" in bad.content[0].text  # type: ignore[union-attr]


def test_explain_link_and_search(engine: Engine) -> None:
    customer = _amy(engine)
    explained = call(engine, "explain_link", {"a": "email:amy@mail.com", "b": "crm_id:C77"})
    doc = explained.structured_content
    assert doc is not None and doc["joined"] is True and doc["customer_id"] == customer
    assert len(doc["path"]) == 2
    assert "amy@mail.com" not in json.dumps(doc)
    for query in ("0912000111", "+886 912 000 111", "crm_id:C77", "Amy@Mail.com", customer):
        found = call(engine, "search_customers", {"query": query}).structured_content
        assert found is not None
        assert [m["customer_id"] for m in found["items"]] == [customer], query
    nobody = call(engine, "search_customers", {"query": "nobody@nowhere.net"})
    assert nobody.structured_content == {"items": []}


def test_errors_reach_the_agent_as_tool_errors(engine: Engine) -> None:
    missing = call(engine, "get_profile", {"customer_id": "c_aaaaaaaaaaaaaaaa"})
    assert missing.is_error
    assert "customer_not_found" in missing.content[0].text  # type: ignore[union-attr]
    invalid = call(engine, "resolve_customer", {"kind": "email", "value": "not an email"})
    assert invalid.is_error
    wrong_kind = call(engine, "resolve_customer", {"kind": "Email!", "value": "a@b.co"})
    assert wrong_kind.is_error and "kind" in wrong_kind.content[0].text  # type: ignore[union-attr]


def test_steward_tools_only_when_configured_destructive_and_audited(engine: Engine) -> None:
    tools = drive(engine, lambda c: c.list_tools(), mcp_steward_tools=True).tools
    assert {t.name for t in tools} == READ_TOOLS | STEWARD_TOOLS
    for tool in tools:
        if tool.name in STEWARD_TOOLS:
            assert tool.annotations.destructive_hint is True
            assert tool.annotations.read_only_hint is False
    customer = _amy(engine)
    cut = call(
        engine,
        "suppress_link",
        {"a": "email:amy@mail.com", "b": "phone:0912000111", "reason": "two people"},
        mcp_steward_tools=True,
    )
    assert not cut.is_error, cut.content
    assert len(cut.structured_content["customers"]) == 2  # type: ignore[index]
    history = engine.store.read(lambda tx: tx.history([customer], 10, None))
    assert history[0].entry.actor == STDIO_ACTOR
    assert history[0].entry.reason == "two people"
    refused = call(
        engine,
        "suppress_link",
        {"a": "email:amy@mail.com", "b": "phone:0912000111", "reason": "x"},
    )
    assert refused.is_error  # not exposed without the setting


def test_customer_segments_says_which_and_why(engine: Engine) -> None:
    condition = {"events": {"type": "order.placed"}, "count": {"gte": 1}}
    buyers = create_segment(engine, "Buyers", condition)
    amy = _amy(engine)

    found = call(engine, "customer_segments", {"customer_id": amy})

    assert not found.is_error, found.content
    answer = found.structured_content
    assert answer is not None and answer["customer_id"] == amy
    assert [(i["segment_id"], i["name"]) for i in answer["items"]] == [(buyers.id, "Buyers")]
    assert answer["items"][0]["why"]
    bob = call(engine, "resolve_customer", {"kind": "email", "value": "bob@mail.com"})
    bob_id = bob.structured_content["customer_id"]  # type: ignore[index]
    assert call(engine, "customer_segments", {"customer_id": bob_id}).structured_content == {
        "customer_id": bob_id,
        "items": [],
    }
