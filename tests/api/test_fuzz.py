"""Schema-driven fuzzing of the OpenAPI (schemathesis): no input may cause a 500.

Bounded in examples so it stays quick; a seeded store makes the read routes meet real data.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app.api.main import create_app
from app.services.keys import SCOPES, KeyCache, create_key
from app.services.stitching import stitch
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


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_causes_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=HEADERS, checks=[not_a_server_error])
