"""Hostile and extreme inputs through the HTTP API: each is a located 422 (or 405/408/413),
never a 500, and nothing accepted makes a customer unreadable (issue 9, classes 1-6 and 9)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from app.api import timeline_query
from app.api.middleware import Guard
from app.services import profiles
from tests.support.api import Api

EMAIL = "hostile.client@shop.tw"
WHO = [{"kind": "email", "value": EMAIL}]
ORDER = {"order_id": "1", "currency": "TWD"}


def observation(record_id: str = "o-1", at: Any = "2026-03-01T10:00:00Z", **extra: Any) -> Any:
    body = {"id": record_id, "source": "crm", "observed_at": at, "identifiers": WHO}
    return {**body, **extra}


def event(record_id: str = "e-1", at: Any = "2026-03-02T08:00:00Z", **extra: Any) -> Any:
    body = {
        "id": record_id,
        "type": "custom.visit",
        "occurred_at": at,
        "source": "eshop",
        "identifiers": WHO,
        "data": {},
    }
    return {**body, **extra}


def raw_post(api: Api, path: str, text: bytes) -> Any:
    headers = {**api.headers["admin"], "content-type": "application/json"}
    return api.client.post(path, content=text, headers=headers)


def located(response: Any) -> list[tuple[tuple[Any, ...], str]]:
    assert response.status_code == 422, response.text
    return [(tuple(e["loc"]), e["code"]) for e in response.json()["errors"]]


def assert_readable(api: Api) -> str:
    """Every read of the customer holding EMAIL answers 200."""
    found = api.get("/v1/customers/by-identifier", kind="email", value=EMAIL)
    assert found.status_code == 200, found.text
    customer = found.json()["customer_id"]
    for path in ("", "/context", "/timeline", "/history"):
        response = api.get(f"/v1/customers/{customer}{path}")
        assert response.status_code == 200, (path, response.text)
    return str(customer)


# -- 1. times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "code"),
    [
        ("0999-12-31T23:59:59Z", "datetime_out_of_range"),
        ("0001-01-01T00:00:00+01:00", "datetime_out_of_range"),
        ("9999-12-31T23:59:59-01:00", "datetime_out_of_range"),
        ("2026-03-01T10:00:00", "datetime_parsing"),
        ("yesterday", "datetime_parsing"),
        (0, "datetime_type"),
        (1.7e9, "datetime_type"),
        ("1700000000", "datetime_parsing"),
    ],
)
def test_times_outside_the_range_or_not_iso_are_located_422(api: Api, at: Any, code: str) -> None:
    assert located(api.post("/v1/events", event(at=at))) == [(("occurred_at",), code)]
    assert located(api.post("/v1/observations", observation(at=at))) == [(("observed_at",), code)]
    assert api.get("/v1/customers/by-identifier", kind="email", value=EMAIL).status_code == 404


def test_the_edges_of_the_range_are_stored_and_read_back(api: Api) -> None:
    assert api.post("/v1/observations", observation(at="1000-01-01T00:00:00Z")).status_code == 200
    for n, at in enumerate(("1000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z")):
        assert api.post("/v1/events", event(f"e-{n}", at=at)).status_code == 200
    customer = assert_readable(api)
    items = api.get(f"/v1/customers/{customer}/timeline").json()["items"]
    assert [i["occurred_at"] for i in items] == [
        "9999-12-31T23:59:59.999999Z",
        "1000-01-01T00:00:00Z",
    ]


def test_event_data_times_out_of_range_are_located(api: Api) -> None:
    body = event(
        type="booking.booked",
        data={"booking_id": "b1", "scheduled_at": "9999-12-31T23:59:59-01:00"},
    )
    assert located(api.post("/v1/events", body)) == [(("data", "scheduled_at"), "out_of_range")]


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "0"])
def test_timeline_window_out_of_range_is_a_located_422(api: Api, name: str, value: str) -> None:
    api.post("/v1/observations", observation())
    customer = assert_readable(api)
    response = api.get(f"/v1/customers/{customer}/timeline", **{name: value})
    assert [loc for loc, _ in located(response)] == [("query", name)]


# -- 2. numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (observation(attributes={"n": 2**64}), ("attributes", "n")),
        (observation(attributes={"d": {"l": [1, -(2**63) - 1]}}), ("attributes", "d", "l", 1)),
        (event(data={"n": 2**70}), ("data", "n")),
        (event(type="order.placed", data={**ORDER, "total": 9.2e18}), ("data", "total")),
        (event(type="order.placed", data={**ORDER, "total": 1e20}), ("data", "total")),
        (event(type="order.placed", data={"order_id": 2**64}), ("data", "order_id")),
        (event(type="loyalty.points_earned", data={"points": 2**63 - 1}), ("data", "points")),
        (event(type="loyalty.points_earned", data={"points": 5, "balance_after": 2**63}),
         ("data", "balance_after")),
        (event(type="order.placed", data={**ORDER, "items": [
            {"sku": "a", "quantity": 10**7, "unit_price": 1}]}), ("data", "items", 0, "quantity")),
    ],
)  # fmt: skip
def test_numbers_past_the_bounds_are_located_422(
    api: Api, body: dict[str, Any], where: tuple[Any, ...]
) -> None:
    path = "/v1/events" if "occurred_at" in body else "/v1/observations"
    assert [loc for loc, _ in located(api.post(path, body))] == [where]


def test_points_at_the_bound_keep_the_customer_readable(api: Api) -> None:
    for n in range(3):
        body = event(f"p-{n}", type="loyalty.points_earned", data={"points": 10**9})
        assert api.post("/v1/events", body).status_code == 200
    order = {"order_id": "big", "total": 10**12, "currency": "USD", "items": [
        {"sku": "a", "quantity": 10**6, "unit_price": 10**12}]}  # fmt: skip
    assert api.post("/v1/events", event("o-1", type="order.placed", data=order)).status_code == 200
    customer = assert_readable(api)
    profile = api.get(f"/v1/customers/{customer}").json()
    assert json.dumps(profile)  # every figure is a JSON number a 64-bit peer can read


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_non_finite_numbers_are_refused_not_stored_as_null(api: Api, constant: bytes) -> None:
    text = json.dumps(observation(attributes={"x": "PLACEHOLDER"})).encode()
    response = raw_post(api, "/v1/observations", text.replace(b'"PLACEHOLDER"', constant))
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] in {"json_invalid", "not_finite"}


def test_a_retry_spelling_a_number_differently_is_a_duplicate(api: Api) -> None:
    first = observation(attributes={"visits": 1, "score": {"n": 2}})
    retry = observation(attributes={"visits": 1.0, "score": {"n": 2.0}})
    assert api.post("/v1/observations", first).json()["status"] != "duplicate"
    assert api.post("/v1/observations", retry).json()["status"] == "duplicate"
    once = event(type="loyalty.points_earned", data={"points": 5, "note": 3})
    again = event(type="loyalty.points_earned", data={"points": 5.0, "note": 3.0})
    assert api.post("/v1/events", once).status_code == 200
    assert api.post("/v1/events", again).json()["status"] == "duplicate"


# -- 3. text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (b'{"id":"o-1","source":"crm","observed_at":"2026-03-01T10:00:00Z",'
         b'"identifiers":[{"kind":"email","value":"a\\ud800@x.com"}]}',
         ("identifiers", 0, "value")),
        (b'{"id":"o-1","source":"crm","observed_at":"2026-03-01T10:00:00Z",'
         b'"identifiers":[{"kind":"email","value":"a@x.com"}],"attributes":{"n":"\\udfff"}}',
         ("attributes", "n")),
        (b'{"id":"o-1","source":"crm","observed_at":"2026-03-01T10:00:00Z",'
         b'"identifiers":[{"kind":"email","value":"a@x.com"}],"attributes":{"\\ud800":1}}',
         ("attributes", "\\ud800")),
    ],
)  # fmt: skip
def test_lone_surrogates_are_located_422(api: Api, text: bytes, where: tuple[Any, ...]) -> None:
    response = raw_post(api, "/v1/observations", text)
    assert response.status_code == 422
    # pydantic refuses them in typed strings, the stored-JSON check in free-form values
    assert response.json()["errors"][0]["code"] in {"string_unicode", "invalid_unicode"}
    assert tuple(response.json()["errors"][0]["loc"]) == where


def test_a_lone_surrogate_in_a_steward_reason_is_a_422(api: Api) -> None:
    text = b'{"customer_ids":["c_a","c_b"],"reason":"\\ud800"}'
    headers = {**api.headers["steward"], "content-type": "application/json"}
    response = api.client.post("/v1/customers/merge", content=text, headers=headers)
    assert located(response) == [(("reason",), "string_unicode")]


def test_invalid_utf8_is_a_422_as_documented(api: Api) -> None:
    response = raw_post(api, "/v1/observations", b'{"id": "\xff\xfe"}')
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"


@pytest.mark.parametrize("value", ["\ufeff", "\u202e", "\u200b\u200d\ufeff", " \u2066 "])
def test_identifiers_made_only_of_invisible_characters_are_no_identifier(
    api: Api, value: str
) -> None:
    body = observation(identifiers=[{"kind": "crm_id", "value": value}])
    assert located(api.post("/v1/observations", body)) == [(("identifiers",), "no_identifier")]


def test_invisible_characters_do_not_make_a_distinct_identifier(api: Api) -> None:
    plain = api.post("/v1/observations", observation("a", identifiers=[
        {"kind": "crm_id", "value": "C42"}]))  # fmt: skip
    hidden = api.post("/v1/observations", observation("b", identifiers=[
        {"kind": "crm_id", "value": "\ufeffC\u200b42\u202e"}]))  # fmt: skip
    assert plain.json()["customer_id"] == hidden.json()["customer_id"]


# -- 4. shape ----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 254, 600, 990, 5000])
def test_nesting_past_the_limit_is_a_422_at_any_depth(api: Api, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    text = json.dumps(observation(attributes={"x": "HOLE"})).replace('"HOLE"', nested)
    response = raw_post(api, "/v1/observations", text.encode())
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] in {"too_deep", "json_invalid"}


def test_nesting_at_the_limit_is_stored(api: Api) -> None:
    nested: Any = 1
    for _ in range(32):
        nested = [nested]
    assert api.post("/v1/observations", observation(attributes={"x": nested})).status_code == 200
    assert_readable(api)


# -- 5. query parameters -----------------------------------------------------------------------


def test_too_many_timeline_types_is_a_422(api: Api) -> None:
    api.post("/v1/observations", observation())
    customer = assert_readable(api)
    many = ",".join(f"custom.t{n}" for n in range(timeline_query.MAX_TYPES + 1))
    response = api.get(f"/v1/customers/{customer}/timeline", types=many)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_types"
    thousands = ",".join(f"custom.t{n}" for n in range(2000))
    response = api.get(f"/v1/customers/{customer}/timeline", types=thousands)
    assert [loc for loc, _ in located(response)] == [("query", "types")]


@pytest.mark.parametrize("cursor", [str(2**64), str(2**63), "-1", "1e3"])
def test_a_history_cursor_past_64_bits_is_a_located_422(api: Api, cursor: str) -> None:
    api.post("/v1/observations", observation())
    customer = assert_readable(api)
    response = api.get(f"/v1/customers/{customer}/history", cursor=cursor)
    assert [loc for loc, _ in located(response)] == [("query", "cursor")]


# -- 6. transport ------------------------------------------------------------------------------


def test_a_chunked_body_past_the_limit_is_413(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    headers = {**api.headers["admin"], "content-type": "application/json"}
    response = api.client.post("/v1/observations", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_body_that_stops_arriving_is_refused_with_408() -> None:
    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append("app")

    async def stalled() -> dict[str, Any]:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    guard = Guard(app, max_bytes=1024, body_timeout_s=0.05)
    scope = {"type": "http", "method": "POST", "headers": [], "path": "/v1/observations"}
    asyncio.run(asyncio.wait_for(guard(scope, stalled, send), 5))
    assert sent[0]["status"] == 408
    assert json.loads(sent[1]["body"])["code"] == "request_timeout"
    assert reached == []


# -- 9. smaller --------------------------------------------------------------------------------


def test_an_unexpected_error_is_one_500_logged_once(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    # fault injection: the route's use case fails as a bug would; the app around it is real
    monkeypatch.setattr(profiles, "profile", broken)
    with caplog.at_level(logging.ERROR):
        response = api.get("/v1/customers/c_aaaaaaaaaaaaaaaa")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    logged = [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert "/v1/customers/{customer_id}" in logged[0].getMessage()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_customers_merge_is_not_read_as_a_customer(api: Api, method: str) -> None:
    response = api.client.request(method, "/v1/customers/merge", headers=api.headers["admin"])
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_openapi_declares_the_bearer_scheme_on_every_keyed_route(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key from `c360 keys create`: `Authorization: Bearer <key>`",
    }
    keyed = document["paths"]["/v1/customers/{customer_id}"]["get"]
    assert keyed["security"] == [{"apiKey": []}]
    assert "security" not in document["paths"]["/healthz"]["get"]


def test_docs_load_nothing_from_other_hosts(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    assert "//" not in page.text.replace("http-equiv", "").split("<body>", 1)[0].replace(
        "<!DOCTYPE html>", ""
    )
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        assert f"/docs/assets/{asset}" in page.text
        assert api.client.get(f"/docs/assets/{asset}").status_code == 200


def test_a_customer_broken_by_an_unpadded_stamp_before_the_fix_reads_again(api: Api) -> None:
    from resolvers.customer360.events import EventAggregate

    api.post("/v1/observations", observation())
    assert api.post("/v1/events", event()).status_code == 200
    key = f"email:{EMAIL}"
    stored = api.engine.store.read(lambda tx: tx.aggregates([key]))[key].to_json()
    text = json.dumps(stored).replace("2026-03-02T08:00:00.000000Z", "999-03-02T08:00:00.000000Z")
    assert text != json.dumps(stored)
    legacy = EventAggregate.from_json(json.loads(text))
    api.engine.store.write(lambda tx: tx.put_aggregates({key: legacy}))
    customer = assert_readable(api)
    profile = api.get(f"/v1/customers/{customer}").json()
    assert "0999-03-02T08:00:00Z" in json.dumps(profile)
