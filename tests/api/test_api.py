"""The HTTP API through FastAPI's client: every route, its errors, and its guarantees."""

from __future__ import annotations

import logging
import re

import pytest

from app.api.routers.customers import prefers_text
from tests.factories import observation_body as observation
from tests.support.api import Api

JANE = observation(
    "crm-1",
    ("crm_id", "C1234567"),
    ("email", " Jane.Doe@Gmail.com"),
    ("phone", "0912-555-678"),
    first_name="Jane",
    birth_date="1990-02-03",
)


def test_keys_are_required_and_scoped(api: Api) -> None:
    no_key = api.client.post("/v1/observations", json=JANE)
    assert no_key.status_code == 401
    assert no_key.json()["code"] == "unauthorized"
    assert no_key.headers["www-authenticate"] == "Bearer"
    wrong = api.client.post(
        "/v1/observations", json=JANE, headers={"Authorization": "Bearer c360_nope_nope"}
    )
    assert wrong.status_code == 401
    read_only = api.post("/v1/observations", JANE, scope="read")
    assert read_only.status_code == 403
    assert "ingest" in read_only.json()["message"]
    assert api.post("/v1/observations", JANE, scope="ingest").status_code == 200
    assert api.get("/v1/customers/c_x/graph", scope="read").status_code == 403


def test_health_needs_no_key(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ready", "store": "sqlite"}
    metrics = api.client.get("/metrics")
    assert metrics.status_code == 200
    assert "c360_http_requests_total" in metrics.text


def test_stitch_normalises_and_answers_the_customer(api: Api) -> None:
    result = api.post("/v1/observations", JANE).json()
    assert result["status"] == "stitched"
    assert result["identifiers"] == [
        "crm_id:C1234567",
        "email:janedoe@gmail.com",
        "phone:+886912555678",
    ]
    resolved = api.post(
        "/v1/resolve",
        {
            "identifiers": [
                {"kind": "email", "value": "JANE.DOE+shop@googlemail.com"},
                {"kind": "phone", "value": "+886 912 555 678"},
                {"kind": "email", "value": "nobody@example.org"},
            ]
        },
        scope="read",
    ).json()["results"]
    assert [r["customer_id"] for r in resolved] == [result["customer_id"]] * 2 + [None]
    assert [r["status"] for r in resolved] == ["known", "known", "unknown"]


def test_an_invalid_batch_names_every_bad_item_and_writes_nothing(api: Api) -> None:
    batch = {
        "observations": [
            observation("ok-1", ("email", "ann@x.com")),
            observation("bad-1", ("phone", "call me maybe")),
            observation("ok-2", ("email", "bob@x.com")),
            observation("bad-2", ("email", "jane@"), ("colour", "blue")),
        ]
    }
    response = api.post("/v1/observations/batch", batch)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    locations = [e["loc"] for e in body["errors"]]
    assert ["observations", 1, "identifiers", 0, "value"] in locations
    assert ["observations", 3, "identifiers", 0, "value"] in locations
    assert ["observations", 3, "identifiers", 1, "kind"] in locations
    assert api.engine.store.counts()["observations"] == 0
    assert api.engine.store.counts()["identifiers"] == 0


def test_schema_errors_use_the_same_shape(api: Api) -> None:
    response = api.post("/v1/observations", {"id": "x", "source": "crm", "identifiers": []})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert {tuple(e["loc"]) for e in body["errors"]} >= {("observed_at",), ("identifiers",)}
    naive = api.post(
        "/v1/observations", observation("n", ("email", "a@x.com"), at="2026-03-01T10:00:00")
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["loc"] == ["observed_at"]
    # value errors of a single record are located in the record, like its schema errors
    bad_phone = api.post("/v1/observations", observation("p", ("phone", "0800 000")))
    assert bad_phone.json()["errors"][0]["loc"] == ["identifiers", 0, "value"]
    bad_event = api.post(
        "/v1/events",
        {
            "id": "x-1",
            "type": "order.placed",
            "occurred_at": "2026-03-09T10:00:00Z",
            "source": "web",
            "identifiers": [{"kind": "email", "value": "a@b"}],
            "data": {"total": 5},
        },
    )
    assert [e["loc"] for e in bad_event.json()["errors"]] == [
        ["data", "order_id"],
        ["data", "currency"],
        ["identifiers", 0, "value"],
    ]


def test_retries_are_idempotent_and_a_changed_body_is_a_conflict(api: Api) -> None:
    first = api.post("/v1/observations", JANE).json()
    again = api.post("/v1/observations", JANE).json()
    assert again["status"] == "duplicate"
    assert again["customer_id"] == first["customer_id"]
    changed = dict(JANE, attributes={"first_name": "Janet"})
    conflict = api.post("/v1/observations", changed)
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "id_reused"
    assert api.engine.store.counts()["observations"] == 1


def test_a_batch_answers_every_item_in_place_even_a_repeated_id(api: Api) -> None:
    respelt = dict(
        JANE,
        identifiers=[
            {"kind": "crm_id", "value": "C1234567"},
            {"kind": "email", "value": "janedoe@gmail.com"},
            {"kind": "phone", "value": "+886 912 555 678"},
        ],
    )
    other = observation("web-2", ("email", "li.wei@example.org"))
    batch = {"observations": [JANE, other, respelt]}
    results = api.post("/v1/observations/batch", batch).json()["results"]
    assert [(r["observation_id"], r["status"]) for r in results] == [
        (JANE["id"], "stitched"),
        ("web-2", "stitched"),
        (JANE["id"], "duplicate"),
    ]
    assert results[2]["customer_id"] == results[0]["customer_id"]
    assert api.engine.store.counts()["observations"] == 2
    event = {
        "id": "v1",
        "type": "custom.store_visit",
        "occurred_at": "2026-03-04T08:00:00Z",
        "source": "pos",
        "identifiers": [{"kind": "email", "value": "li.wei@example.org"}],
        "data": {"store": "Xinyi"},
    }
    recorded = api.post("/v1/events/batch", {"events": [event, event]}).json()["results"]
    assert [r["status"] for r in recorded] == ["recorded", "duplicate"]
    assert api.engine.store.counts()["events"] == 1


def test_bodies_over_the_limit_answer_413(api: Api) -> None:
    huge = observation("big", ("email", "a@x.com"), note="x" * 70_000)
    response = api.post("/v1/observations", huge)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_unknown_customers_are_404_and_absorbed_ids_answer_with_the_survivor(api: Api) -> None:
    assert api.get("/v1/customers/c_aaaaaaaaaaaaaaaa", scope="read").status_code == 404
    older = api.post(
        "/v1/observations", observation("a", ("email", "amy@x.com"), at="2026-01-01T00:00:00Z")
    ).json()
    newer = api.post(
        "/v1/observations", observation("b", ("phone", "0912-111-222"), at="2026-02-01T00:00:00Z")
    ).json()
    joined = api.post(
        "/v1/observations",
        observation(
            "c", ("email", "amy@x.com"), ("phone", "0912111222"), at="2026-03-01T00:00:00Z"
        ),
    ).json()
    assert joined["customer_id"] == older["customer_id"]
    assert joined["merged"] == [newer["customer_id"]]
    profile = api.get(f"/v1/customers/{newer['customer_id']}", scope="read").json()
    assert profile["customer_id"] == older["customer_id"]
    assert profile["requested_id"] == newer["customer_id"]
    assert newer["customer_id"] in profile["absorbed_ids"]
    by_identifier = api.get(
        "/v1/customers/by-identifier", scope="read", kind="phone", value="+886912111222"
    )
    assert by_identifier.json()["customer_id"] == older["customer_id"]
    missing = api.get("/v1/customers/by-identifier", scope="read", kind="email", value="none@x.org")
    assert missing.status_code == 404
    assert missing.json()["code"] == "identifier_not_found"


def test_placeholders_never_link_and_are_reported(api: Api) -> None:
    one = api.post(
        "/v1/observations", observation("p1", ("email", "test@test.com"), ("phone", "0911-222-333"))
    ).json()
    two = api.post(
        "/v1/observations", observation("p2", ("email", "TEST@test.com"), ("phone", "0922-333-444"))
    ).json()
    assert one["placeholders"] == ["email:test@test.com"]
    assert one["customer_id"] != two["customer_id"]
    assert two["rejected"][0]["reason"].startswith("placeholder")
    resolved = api.post(
        "/v1/resolve", {"identifiers": [{"kind": "email", "value": "test@test.com"}]}
    ).json()
    assert resolved["results"][0] == {
        "kind": "email",
        "value": "test@test.com",
        "key": "email:test@test.com",
        "customer_id": None,
        "status": "placeholder",
    }


def test_limits_reject_and_stewards_review_conflicts(api: Api) -> None:
    for i, crm in enumerate(("C1", "C2", "C3")):
        api.post(
            "/v1/observations",
            observation(
                f"m{i}",
                ("crm_id", crm),
                ("email", "shared.inbox@x.com"),
                at=f"2026-0{i + 1}-01T00:00:00Z",
            ),
        )
    conflicts = api.get("/v1/review/conflicts", scope="steward").json()
    assert [c["reason"] for c in conflicts["items"]] == [
        "limit: a customer holds at most 2 crm_id; this merge would make 3"
    ]
    page = api.get("/v1/review/conflicts", scope="steward", limit=1).json()
    assert re.fullmatch(r"[A-Za-z0-9_-]+", page["next_cursor"])  # goes in a URL as is
    rest = api.get("/v1/review/conflicts", scope="steward", cursor=page["next_cursor"]).json()
    assert rest["items"] == []
    bad = api.get("/v1/review/conflicts", scope="steward", cursor="phone:+886|x")
    assert bad.status_code == 422 and bad.json()["code"] == "bad_cursor"


def test_steward_split_keeps_the_old_id_with_the_oldest_part_and_is_audited(api: Api) -> None:
    api.post(
        "/v1/observations",
        observation(
            "s1", ("email", "old@x.com"), ("phone", "0912-100-200"), at="2026-01-01T00:00:00Z"
        ),
    )
    merged = api.post(
        "/v1/observations",
        observation(
            "s2", ("phone", "0912-100-200"), ("email", "new@x.com"), at="2026-02-01T00:00:00Z"
        ),
    ).json()
    customer = merged["customer_id"]
    cut = api.post(
        "/v1/links/suppress",
        {
            "a": {"kind": "phone", "value": "0912100200"},
            "b": {"kind": "email", "value": "new@x.com"},
            "reason": "wrong person",
        },
        scope="steward",
    )
    assert cut.status_code == 200, cut.json()
    assert customer in cut.json()["customers"]
    after = api.post(
        "/v1/resolve",
        {
            "identifiers": [
                {"kind": "email", "value": "old@x.com"},
                {"kind": "email", "value": "new@x.com"},
            ]
        },
    ).json()["results"]
    assert after[0]["customer_id"] == customer
    assert after[1]["customer_id"] not in (None, customer)
    # the same evidence again does not undo the cut
    api.post(
        "/v1/observations",
        observation(
            "s3", ("phone", "0912-100-200"), ("email", "new@x.com"), at="2026-03-01T00:00:00Z"
        ),
    )
    again = api.post(
        "/v1/resolve", {"identifiers": [{"kind": "email", "value": "new@x.com"}]}
    ).json()["results"]
    assert again[0]["customer_id"] == after[1]["customer_id"]
    history = api.get(f"/v1/customers/{customer}/history", scope="steward").json()
    actions = [item["action"] for item in history["items"]]
    assert actions == ["suppress_link", "split"]
    entry = next(i for i in history["items"] if i["action"] == "suppress_link")
    assert entry["actor"].startswith("key:") and entry["reason"] == "wrong person"
    assert entry["before"]["customers"] == [customer]


def test_explain_graph_detach_block_merge(api: Api) -> None:
    a = api.post(
        "/v1/observations",
        observation("e1", ("crm_id", "C9"), ("email", "kim@x.com"), at="2026-01-01T00:00:00Z"),
    ).json()
    api.post(
        "/v1/observations",
        observation(
            "e2", ("email", "kim@x.com"), ("phone", "0912-999-000"), at="2026-01-02T00:00:00Z"
        ),
    )
    customer = a["customer_id"]
    explained = api.get(
        f"/v1/customers/{customer}/explain", scope="steward", a="crm_id:C9", b="phone:+886912999000"
    ).json()
    assert explained["joined"] is True
    assert [(s["a"], s["b"]) for s in explained["path"]] == [
        ("crm_id:C9", "email:kim@x.com"),
        ("email:kim@x.com", "phone:+886912999000"),
    ]
    assert explained["path"][0]["observations"] == ["e1"]
    graph = api.get(f"/v1/customers/{customer}/graph", scope="steward").json()
    assert {i["key"] for i in graph["identifiers"]} == {
        "crm_id:C9",
        "email:kim@x.com",
        "phone:+886912999000",
    }
    assert len(graph["bridges"]) == 2
    detached = api.post(
        "/v1/identifiers/detach",
        {"identifier": {"kind": "phone", "value": "0912999000"}, "reason": "not hers"},
        scope="steward",
    ).json()
    assert detached["identifiers"]["phone:+886912999000"] != customer
    blocked = api.post(
        "/v1/identifiers/block",
        {"identifier": {"kind": "email", "value": "kim@x.com"}, "reason": "shop inbox"},
        scope="steward",
    ).json()
    assert blocked["identifiers"] == {"email:kim@x.com": None}
    two = api.post(
        "/v1/observations", observation("e3", ("crm_id", "C10"), at="2026-01-03T00:00:00Z")
    ).json()
    merged = api.post(
        "/v1/customers/merge",
        {"customer_ids": [customer, two["customer_id"]], "reason": "same person"},
        scope="steward",
    )
    assert merged.status_code == 200, merged.json()
    assert merged.json()["customers"] == [customer]
    same = api.post(
        "/v1/customers/merge",
        {"customer_ids": [customer, two["customer_id"]], "reason": "again"},
        scope="steward",
    )
    assert same.status_code == 409


def test_events_timeline_and_context(api: Api) -> None:
    customer = api.post("/v1/observations", JANE).json()["customer_id"]
    events = {
        "events": [
            {
                "id": "o1",
                "type": "order.placed",
                "occurred_at": "2026-03-02T08:00:00Z",
                "source": "eshop",
                "identifiers": [{"kind": "email", "value": "jane.doe@gmail.com"}],
                "data": {
                    "order_id": "991",
                    "total": 1280,
                    "currency": "TWD",
                    "items": [
                        {"sku": "K-1", "category": "kettles", "quantity": 1, "unit_price": 1280}
                    ],
                },
            },
            {
                "id": "o2",
                "type": "order.completed",
                "occurred_at": "2026-03-03T08:00:00Z",
                "source": "eshop",
                "identifiers": [{"kind": "email", "value": "jane.doe@gmail.com"}],
                "data": {"order_id": "991"},
            },
            {
                "id": "c1",
                "type": "custom.store_visit",
                "occurred_at": "2026-03-04T08:00:00Z",
                "source": "pos",
                "identifiers": [{"kind": "phone", "value": "0912555678"}],
                "data": {"store": "Xinyi"},
            },
        ]
    }
    recorded = api.post("/v1/events/batch", events, scope="ingest").json()["results"]
    assert {r["customer_id"] for r in recorded} == {customer}
    profile = api.get(f"/v1/customers/{customer}", scope="read").json()
    assert profile["stats"]["orders"] == 1
    assert profile["stats"]["revenue"] == 1280.0
    assert profile["attributes"]["first_name"]["value"] == "Jane"
    page = api.get(f"/v1/customers/{customer}/timeline", scope="read", limit=2).json()
    assert [i["id"] for i in page["items"]] == ["c1", "o2"]
    rest = api.get(
        f"/v1/customers/{customer}/timeline", scope="read", limit=2, cursor=page["next_cursor"]
    ).json()
    assert [i["id"] for i in rest["items"]] == ["o1"] and rest["next_cursor"] is None
    orders = api.get(f"/v1/customers/{customer}/timeline", scope="read", types="order.*").json()
    assert [i["id"] for i in orders["items"]] == ["o2", "o1"]
    bad = api.get(f"/v1/customers/{customer}/timeline", scope="read", types="orders")
    assert bad.status_code == 422
    context = api.get(f"/v1/customers/{customer}/context", scope="read").json()
    assert context["who"]["name"].startswith("Jane")
    assert "summary" in context
    text = api.client.get(
        f"/v1/customers/{customer}/context",
        headers={**api.headers["read"], "Accept": "text/plain"},
    )
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == context["summary"] and text.text.startswith("Jane")


def test_bad_events_are_refused_whole(api: Api) -> None:
    api.post("/v1/observations", JANE)
    events = {
        "events": [
            {
                "id": "ok",
                "type": "custom.ping",
                "occurred_at": "2026-03-02T08:00:00Z",
                "source": "web",
                "identifiers": [{"kind": "email", "value": "jane.doe@gmail.com"}],
                "data": {},
            },
            {
                "id": "neg",
                "type": "order.placed",
                "occurred_at": "2026-03-02T08:00:00Z",
                "source": "web",
                "identifiers": [{"kind": "email", "value": "jane.doe@gmail.com"}],
                "data": {
                    "order_id": "1",
                    "total": 10,
                    "currency": "XYZ",
                    "items": [{"sku": "a", "quantity": -1, "unit_price": 5}],
                },
            },
            {
                "id": "what",
                "type": "telepathy",
                "occurred_at": "2026-03-02T08:00:00Z",
                "source": "web",
                "identifiers": [{"kind": "email", "value": "jane.doe@gmail.com"}],
                "data": {},
            },
        ]
    }
    response = api.post("/v1/events/batch", events)
    assert response.status_code == 422
    locations = [tuple(e["loc"]) for e in response.json()["errors"]]
    assert ("events", 1, "data", "items", 0, "quantity") in locations
    assert ("events", 1, "data", "currency") in locations
    assert any(loc[:2] == ("events", 2) for loc in locations)
    assert api.engine.store.counts()["events"] == 0


def test_identifier_values_never_reach_the_logs(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.post(
        "/v1/observations",
        observation("priv", ("email", "secret.person@private.example"), ("phone", "0912-777-888")),
    )
    api.get(
        "/v1/customers/by-identifier",
        scope="read",
        kind="email",
        value="secret.person@private.example",
    )
    api.post("/v1/resolve", {"identifiers": [{"kind": "phone", "value": "0912777888"}]})
    # everything the service logs (the test client's own httpx request log is not the service)
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "c360.access" in {r.name for r in caplog.records}
    for value in ("secret.person", "private.example", "0912777888", "912777888"):
        assert value not in text


def test_openapi_documents_every_contract_route(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/observations",
        "/v1/observations/batch",
        "/v1/events",
        "/v1/events/batch",
        "/v1/resolve",
        "/v1/customers/{customer_id}",
        "/v1/customers/by-identifier",
        "/v1/customers/{customer_id}/timeline",
        "/v1/customers/{customer_id}/context",
        "/v1/customers/{customer_id}/graph",
        "/v1/customers/{customer_id}/explain",
        "/v1/customers/{customer_id}/history",
        "/v1/links/suppress",
        "/v1/identifiers/detach",
        "/v1/identifiers/block",
        "/v1/customers/merge",
        "/v1/review/conflicts",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert path in paths, path
    example = api.client.get("/openapi.json").json()["components"]["schemas"]["ObservationIn"]
    assert example["examples"][0]["id"] == "crm-000123"


@pytest.mark.parametrize(
    ("accept", "text"),
    [
        (None, False),
        ("", False),
        ("application/json", False),
        ("*/*", False),
        ("text/plain", True),
        ("text/*", True),
        ("text/plain, application/json", False),  # a tie goes to JSON
        ("application/json;q=0.5, text/plain", True),
        ("text/plain;q=0.2, application/json;q=0.9", False),
        ("text/plain;q=oops", False),
    ],
)
def test_context_is_plain_text_only_when_the_client_ranks_it_first(
    accept: str | None, text: bool
) -> None:
    assert prefers_text(accept) is text
