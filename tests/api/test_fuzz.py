"""Fuzzing the whole API: no input may cause a 5xx, and no accepted input may break a customer.

Two suites, bounded in examples so they stay quick:

- schemathesis drives every operation from the OpenAPI document with every check it has,
  response conformance included, except ``positive_data_acceptance``: a schema-valid body may
  still be refused with 422 by what no OpenAPI schema can say (an e-mail that does not
  normalise, an unknown event type, an amount without its currency). That is the contract,
  a deliberate deviation; docs/api.md lists it.
- hypothesis posts observations and events with arbitrary JSON in every free-form field and
  extreme times, numbers and strings elsewhere, then reads every customer it touched (profile,
  context, timeline, history, graph) and runs ``verify``.

A seeded store makes the read routes meet real data.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance

from app.api.main import create_app
from app.services.keys import SCOPES, KeyCache, create_key
from app.services.stitching import stitch
from app.services.verification import verify
from app.settings import Settings
from tests.factories import engine, obs

ENGINE = engine()
APP = create_app(Settings(), engine=ENGINE)
APP.state.engine = ENGINE  # the ASGI transport does not run the lifespan
APP.state.keys = KeyCache(ENGINE)
HEADERS = {"Authorization": f"Bearer {create_key(ENGINE, 'fuzz', SCOPES).secret}"}
stitch(
    ENGINE,
    [
        obs("f1", ("crm_id", "C1"), ("email", "fuzz@x.com"), ("phone", "0912-345-600")),
        obs("f2", ("email", "fuzz@x.com"), ("anonymous_id", "abc"), hours=24),
    ],
    "fuzz",
)

# POST /v1/policy/preview takes a policy file's TOML: fuzz it as text
schemathesis.serializer.alias("application/toml", "text/plain")
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Deliberate deviations, each with its reason (docs/api.md lists them):
# - unknown query parameters are ignored, not refused, as HTTP APIs commonly do (a client's
#   cache-buster must not break a read);
# - the key is this suite's own (HEADERS): keyless requests are tested in tests/api.
schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_causes_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=HEADERS, excluded_checks=[positive_data_acceptance])


# -- hypothesis over the whole API: arbitrary JSON where the contract allows any, extremes
# everywhere else; no 5xx, every customer touched stays readable, verify stays clean ----------


FUZZ_ENGINE = engine()
FUZZ_APP = create_app(Settings(max_request_bytes=256 * 1024), engine=FUZZ_ENGINE)
FUZZ_HEADERS = {"Authorization": f"Bearer {create_key(FUZZ_ENGINE, 'fuzz', SCOPES).secret}"}
FUZZ_JSON = {**FUZZ_HEADERS, "content-type": "application/json"}

# Each strategy leans to values the service accepts (so customers get written and read back)
# and mixes in the extremes it must refuse: lone surrogates, invisible-only strings, numbers
# past 64 bits or the documented bounds, non-finite numbers, times outside the range.


def mostly(
    plain: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """``plain`` nine times in ten, ``hostile`` otherwise (one_of would split them evenly)."""
    return st.integers(0, 9).flatmap(lambda n: plain if n < 9 else hostile)


texts = mostly(
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec=None), max_size=6)
    | st.sampled_from(["\ufeff", "\u202e", "\ud800", "0999", "", " ", "NaN", "1e400"]),
)
numbers = mostly(
    st.integers(0, 10**6) | st.floats(0, 10**6, allow_nan=False),
    st.sampled_from(
        [2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**12, 10**12 + 1, 10**9 + 1, 9.2e18, 1e20]
    )
    | st.floats()
    | st.integers(),
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
zones = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
times = mostly(
    st.datetimes(
        min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
    ).map(datetime.isoformat),
    st.datetimes(min_value=datetime.min, max_value=datetime.max, timezones=zones).map(
        datetime.isoformat
    )
    | st.sampled_from(["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "1700000000"])
    | numbers
    | texts,
)
# query strings travel as UTF-8: no lone surrogates there
query = (
    st.datetimes(min_value=datetime.min, max_value=datetime.max, timezones=zones).map(
        datetime.isoformat
    )
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
    | st.sampled_from(["9999-12-31T23:59:59-01:00", "0", "1.7e9", "order.*," * 300])
)
identifiers = st.lists(
    mostly(
        st.sampled_from(
            [("email", "fz1@shop.tw"), ("email", "fz2@shop.tw"), ("crm_id", "C77"),
             ("crm_id", "C78"), ("phone", "0912-345-601")]
        ),
        st.tuples(st.sampled_from(["email", "crm_id", "phone"]),
                  st.sampled_from(["\ufeffC77", "\u202e"]) | texts),
    ).map(lambda pair: {"kind": pair[0], "value": pair[1]}),
    min_size=1,
    max_size=3,
)  # fmt: skip
typed_events = st.one_of(
    st.tuples(st.just("custom.fuzz"), st.dictionaries(texts, json_values, max_size=4)),
    st.tuples(
        st.just("order.placed"),
        st.fixed_dictionaries(
            {"order_id": st.text("xyz9", min_size=1) | numbers, "total": numbers,
             "currency": st.just("TWD")},
            optional={"items": st.lists(
                st.fixed_dictionaries(
                    {"sku": st.just("K1"), "quantity": numbers, "unit_price": numbers}),
                max_size=2)},
        ),
    ),
    st.tuples(
        st.just("loyalty.points_earned"),
        st.fixed_dictionaries({"points": numbers}, optional={"balance_after": numbers}),
    ),
    st.tuples(
        st.just("booking.booked"),
        st.fixed_dictionaries({"booking_id": st.just("b1"), "scheduled_at": times}),
    ),
)  # fmt: skip
record = st.fixed_dictionaries(
    {
        "id": st.text(alphabet="abc-1", min_size=1, max_size=6),
        "source": st.just("fuzz"),
        "identifiers": identifiers,
    }
)


@given(
    observations=st.lists(
        record.flatmap(
            lambda r: st.fixed_dictionaries(
                {
                    "observed_at": times,
                    "attributes": st.dictionaries(texts, json_values, max_size=4),
                }
            ).map(lambda extra: {**r, **extra})
        ),
        max_size=3,
    ),
    events=st.lists(
        record.flatmap(
            lambda r: st.fixed_dictionaries({"occurred_at": times, "typed": typed_events}).map(
                lambda x: {
                    **r,
                    "occurred_at": x["occurred_at"],
                    "type": x["typed"][0],
                    "data": x["typed"][1],
                }
            )
        ),
        max_size=3,
    ),
    window=st.fixed_dictionaries({}, optional={"since": query, "until": query, "types": query}),
)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_body_breaks_the_service_or_a_customer(
    observations: list[dict[str, Any]], events: list[dict[str, Any]], window: dict[str, Any]
) -> None:
    touched: set[str] = set()
    with TestClient(FUZZ_APP, raise_server_exceptions=False) as client:
        client.app.state.engine = FUZZ_ENGINE  # type: ignore[attr-defined]
        for path, body in [("/v1/observations", o) for o in observations] + [
            ("/v1/events", e) for e in events
        ]:
            # json.dumps escapes lone surrogates and writes NaN and Infinity as bare words,
            # as a hostile client would; httpx's own encoder cannot send either
            text = json.dumps(body)
            response = client.post(path, content=text, headers=FUZZ_JSON)
            assert response.status_code < 500, (path, body, response.text)
            if response.status_code == 200 and path == "/v1/observations":
                touched.add(response.json()["customer_id"])
            for ident in body["identifiers"] if response.status_code == 200 else []:
                found = client.get(
                    "/v1/customers/by-identifier", params=ident, headers=FUZZ_HEADERS
                )
                assert found.status_code in (200, 404, 422), found.text
                if found.status_code == 200:
                    touched.add(found.json()["customer_id"])
        for customer in sorted(touched):
            for suffix in ("", "/context", "/timeline", "/history", "/graph"):
                response = client.get(f"/v1/customers/{customer}{suffix}", headers=FUZZ_HEADERS)
                assert response.status_code == 200, (suffix, response.text)
            response = client.get(
                f"/v1/customers/{customer}/timeline", params=window, headers=FUZZ_HEADERS
            )
            assert response.status_code in (200, 422), (window, response.text)
    assert not verify(FUZZ_ENGINE).drift
