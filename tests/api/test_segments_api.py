"""Segments over HTTP: scope, validation with located errors, CRUD, preview, members, export,
a customer's segments with why and their history."""

from __future__ import annotations

from typing import Any

import orjson

from app.services import segment_engine
from tests.support.api import Api


def _order(n: int, email: str, total: int, category: str, at: str) -> dict[str, Any]:
    item = {"sku": f"S-{n}", "category": category, "quantity": 1, "unit_price": total}
    return {
        "id": f"ord-{n}",
        "type": "order.placed",
        "occurred_at": at,
        "source": "eshop",
        "identifiers": [{"kind": "email", "value": email}],
        "data": {"order_id": str(n), "total": total, "currency": "TWD", "items": [item]},
    }


def _people(api: Api) -> dict[str, str]:
    ids = {}
    for name in ("amy", "bob", "cat"):
        body = {
            "id": f"crm-{name}",
            "source": "crm",
            "observed_at": "2026-03-01T10:00:00Z",
            "identifiers": [{"kind": "email", "value": f"{name}@mail.com"}],
            "attributes": {"first_name": name.title()},
        }
        ids[name] = api.post("/v1/observations", body, "ingest").json()["customer_id"]
    events = [
        _order(1, "amy@mail.com", 3000, "kettles", "2026-05-20T10:00:00Z"),
        _order(2, "amy@mail.com", 2500, "kettles", "2026-05-25T10:00:00Z"),
        _order(3, "bob@mail.com", 800, "mugs", "2026-05-28T10:00:00Z"),
    ]
    assert api.post("/v1/events/batch", {"events": events}, "ingest").status_code == 200
    return ids


KETTLES = {
    "events": {"type": "order.*", "where": {"category": "kettles"}, "within_days": 90},
    "count": {"gte": 2},
}


def test_segments_need_the_marketing_scope(api: Api) -> None:
    assert api.get("/v1/segments", "read").status_code == 403
    assert api.get("/v1/segments", "marketing").status_code == 200
    assert api.get("/v1/segments", "admin").status_code == 200
    assert api.client.get("/v1/segments").status_code == 401


def test_bad_conditions_answer_422_at_the_faulty_part(api: Api) -> None:
    cases = [
        ({"all": []}, ["condition", "all"]),
        ({"any": [{"profile": "loyalty.tier", "op": "like", "value": 1}]},
         ["condition", "any", 0, "op"]),
        ({"events": {"type": "order.placed", "within_days": 0}, "count": {"gte": 1}},
         ["condition", "events", "within_days"]),
        ({"events": {"type": "order.placed"}, "sum": {"gte": 1}}, ["condition", "sum"]),
        ({"consent": {"channel": "email"}, "is": "maybe"}, ["condition", "is"]),
        ({"segment": "seg_missing"}, ["condition"]),
        ({"bogus": 1}, ["condition", "bogus"]),
    ]  # fmt: skip
    for condition, loc in cases:
        response = api.post("/v1/segments", {"name": "x", "condition": condition}, "marketing")
        assert response.status_code == 422, condition
        assert response.json()["errors"][0]["loc"] == loc, condition
    assert api.get("/v1/segments", "marketing").json()["items"] == []


def test_define_preview_members_export_and_why(api: Api) -> None:
    ids = _people(api)
    preview = api.post("/v1/segments/preview", {"condition": KETTLES}, "marketing").json()
    assert preview == {"count": 1, "sample": [ids["amy"]]}
    assert api.get("/v1/segments", "marketing").json()["items"] == []

    created = api.post("/v1/segments", {"name": "kettle fans", "condition": KETTLES}, "marketing")
    assert created.status_code == 201
    seg = created.json()
    assert seg["id"].startswith("seg_") and seg["condition"] == KETTLES
    members = api.get(f"/v1/segments/{seg['id']}/members", "marketing").json()
    assert [m["customer_id"] for m in members["items"]] == [ids["amy"]]
    assert members["next_cursor"] is None

    mine = api.get(f"/v1/customers/{ids['amy']}/segments", "marketing").json()
    assert mine["items"][0]["segment_id"] == seg["id"]
    assert mine["items"][0]["why"] == [
        {"events": "order.*", "count": 2, "latest": "2026-05-25T10:00:00+00:00"}
    ]
    assert api.get(f"/v1/customers/{ids['bob']}/segments", "marketing").json()["items"] == []

    # a nested segment over the first, and an update that widens the first to every order
    nested = {
        "all": [{"segment": seg["id"]}, {"profile": "stats.revenue", "op": "gte", "value": 1000}]
    }
    big = api.post("/v1/segments", {"name": "big fans", "condition": nested}, "marketing").json()
    assert [
        m["customer_id"] for m in api.get(f"/v1/segments/{big['id']}/members").json()["items"]
    ] == [ids["amy"]]
    cycle = {"name": "kettle fans", "condition": {"segment": big["id"]}}
    refused = api.client.put(
        f"/v1/segments/{seg['id']}", json=cycle, headers=api.headers["marketing"]
    )
    assert refused.status_code == 422 and "themselves" in refused.json()["message"]
    wider = {"name": "buyers", "condition": {"events": {"type": "order.*"}, "count": {"gte": 1}}}
    changed = api.client.put(f"/v1/segments/{seg['id']}", json=wider, headers=api.headers["admin"])
    assert changed.status_code == 200 and changed.json()["name"] == "buyers"
    page = api.get(f"/v1/segments/{seg['id']}/members", "marketing", limit=1).json()
    assert len(page["items"]) == 1 and page["next_cursor"] is not None
    rest = api.get(f"/v1/segments/{seg['id']}/members", "marketing", cursor=page["next_cursor"])
    got = [m["customer_id"] for m in page["items"] + rest.json()["items"]]
    assert got == sorted([ids["amy"], ids["bob"]])

    jsonl = api.get(f"/v1/segments/{seg['id']}/export", "marketing", format="jsonl")
    rows = [orjson.loads(line) for line in jsonl.text.splitlines()]
    assert [(r["customer_id"], r["identifiers"]) for r in rows] == sorted(
        [(ids["amy"], ["email:amy@mail.com"]), (ids["bob"], ["email:bob@mail.com"])]
    )
    csv = api.get(f"/v1/segments/{seg['id']}/export", "marketing").text.splitlines()
    assert csv[0] == "customer_id,since,identifiers" and len(csv) == 3
    assert api.get("/v1/segments/seg_nope/export", "marketing").status_code == 404
    assert api.get(f"/v1/segments/{seg['id']}/export", "marketing", format="xml").status_code == 422

    history = api.get(f"/v1/customers/{ids['bob']}/segments/history", "marketing").json()
    assert [(h["segment_id"], h["entered"], h["cause"]["type"]) for h in history["items"]] == [
        (seg["id"], True, "segment.updated")
    ]

    in_use = api.client.delete(f"/v1/segments/{seg['id']}", headers=api.headers["marketing"])
    assert in_use.status_code == 422 and in_use.json()["code"] == "segment_in_use"
    for sid in (big["id"], seg["id"]):
        gone = api.client.delete(f"/v1/segments/{sid}", headers=api.headers["marketing"])
        assert gone.status_code == 204
    assert api.get(f"/v1/segments/{seg['id']}", "marketing").status_code == 404
    assert api.get(f"/v1/customers/{ids['amy']}/segments", "marketing").json()["items"] == []


def test_events_move_members_through_the_follower(api: Api) -> None:
    ids = _people(api)
    seg = api.post("/v1/segments", {"name": "fans", "condition": KETTLES}, "marketing").json()
    more = [
        _order(4, "cat@mail.com", 900, "kettles", "2026-05-30T10:00:00Z"),
        _order(5, "cat@mail.com", 900, "kettles", "2026-05-31T10:00:00Z"),
    ]
    api.post("/v1/events/batch", {"events": more}, "ingest")
    assert segment_engine.catch_up(api.engine).entered == 1
    got = api.get(f"/v1/segments/{seg['id']}/members", "marketing").json()["items"]
    assert [m["customer_id"] for m in got] == sorted([ids["amy"], ids["cat"]])


def test_the_follower_runs_in_the_served_app() -> None:
    import time

    from fastapi.testclient import TestClient

    from app.api.main import create_app
    from app.services import segments
    from app.services.events import record_events
    from app.settings import Settings
    from resolvers.customer360.events import RawEvent
    from resolvers.identity.observations import RawIdentifier
    from tests.factories import engine as build_engine

    eng = build_engine()
    seg = segments.create_segment(
        eng, "buyers", {"events": {"type": "order.*"}, "count": {"gte": 1}}
    )
    app = create_app(Settings(followers=True), engine=eng)
    with TestClient(app):
        data = {"order_id": "1", "total": 100, "currency": "TWD"}
        who = [RawIdentifier("email", "amy@mail.com")]
        record_events(eng, [RawEvent("o1", "order.placed", eng.clock(), "shop", who, data)], "t")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if segments.members(eng, seg.id, after="", limit=10)[0]:
                break
            time.sleep(0.05)
        assert len(segments.members(eng, seg.id, after="", limit=10)[0]) == 1
