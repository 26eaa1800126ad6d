"""Review decisions and the policy preview over HTTP."""

from __future__ import annotations

from typing import Any

from tests.factories import observation_body as observation
from tests.support.api import Api

SHARED = {"kind": "email", "value": "shared.inbox@x.com"}


def _limit_conflict(api: Api) -> dict[str, Any]:
    """Three CRM ids on one inbox: the third is refused by the limit of two."""
    for i, crm in enumerate(("C1", "C2", "C3")):
        body = observation(
            f"m{i}",
            ("crm_id", crm),
            ("email", "shared.inbox@x.com"),
            at=f"2026-0{i + 1}-01T00:00:00Z",
        )
        assert api.post("/v1/observations", body).status_code == 200
    [item] = api.get("/v1/review/conflicts", scope="steward").json()["items"]
    return item


def _decide(api: Api, decision: str, scope: str = "steward", **extra: Any) -> Any:
    body = {
        "a": {"kind": "crm_id", "value": "C3"},
        "b": SHARED,
        "decision": decision,
        "reason": f"steward says {decision}",
        **extra,
    }
    return api.post("/v1/review/decisions", body, scope=scope)


def test_never_takes_the_item_out_of_the_queue_and_is_audited(api: Api) -> None:
    item = _limit_conflict(api)
    assert (item["a"], item["b"]) == ("crm_id:C3", "email:shared.inbox@x.com")
    answer = _decide(api, "never")
    assert answer.status_code == 200, answer.text
    assert answer.json()["action"] == "review_never"
    assert api.get("/v1/review/conflicts", scope="steward").json()["items"] == []
    customer = api.get("/v1/customers/by-identifier", kind="crm_id", value="C3").json()[
        "customer_id"
    ]
    history = api.get(f"/v1/customers/{customer}/history", scope="steward").json()["items"]
    assert history[0]["action"] == "review_never"
    assert history[0]["reason"] == "steward says never"
    [label] = api.engine.store.review_labels()
    assert (label.decision, label.actor) == ("never", history[0]["actor"])


def test_skip_leaves_the_item_queued_and_records_the_answer(api: Api) -> None:
    _limit_conflict(api)
    assert _decide(api, "skip").json()["action"] == "review_skip"
    assert len(api.get("/v1/review/conflicts", scope="steward").json()["items"]) == 1
    assert [x.decision for x in api.engine.store.review_labels()] == ["skip"]


def test_bad_answers_are_precise_422s_and_need_the_steward_scope(api: Api) -> None:
    _limit_conflict(api)
    maybe = _decide(api, "maybe")
    assert maybe.status_code == 422
    assert maybe.json()["errors"][0]["loc"] == ["decision"]
    unknown = api.post(
        "/v1/review/decisions",
        {"a": {"kind": "crm_id", "value": "C9"}, "b": SHARED, "decision": "link", "reason": "x"},
        scope="steward",
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "identifier_not_found"
    assert _decide(api, "link", scope="read").status_code == 403
    assert api.engine.store.review_labels() == []


def _preview(api: Api, text: str, scope: str = "admin", **headers: str) -> Any:
    return api.client.post(
        "/v1/policy/preview",
        content=text.encode(),
        headers={**api.headers[scope], "content-type": "application/toml", **headers},
    )


def test_policy_preview_reports_a_split_and_writes_nothing(api: Api) -> None:
    for i, email in enumerate(("amy.wu@gmail.com", "bo.lin@yahoo.com.tw")):
        body = observation(f"pos-{i}", ("email", email), ("phone", "0955 123 456"))
        api.post("/v1/observations", body)
    before = api.engine.store.counts()
    answer = _preview(api, '[placeholders]\nvalues = ["phone:+886955123456"]\n')
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["customers_before"], report["customers_after"]) == (1, 2)
    assert (report["split"], report["merged"], report["unchanged"]) == (1, 0, 0)
    assert report["split_examples"][0]["into"][-1] is None
    assert report["transitions"] == {"active -> placeholder": 1}
    assert report["candidate"]["precision"] is None
    assert api.engine.store.counts() == before
    same = api.get("/v1/customers/by-identifier", kind="email", value="bo.lin@yahoo.com.tw")
    assert (
        same.json()["customer_id"]
        == api.get("/v1/customers/by-identifier", kind="email", value="amy.wu@gmail.com").json()[
            "customer_id"
        ]
    )


def test_policy_preview_refuses_bad_input_in_words(api: Api) -> None:
    bad = _preview(api, "[limits\n")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_policy"
    assert "TOML" in bad.json()["message"]
    as_json = api.client.post("/v1/policy/preview", json={"x": 1}, headers=api.headers["admin"])
    assert as_json.status_code == 422 and as_json.json()["code"] == "unsupported_content_type"
    assert _preview(api, "", scope="steward").status_code == 403
    assert _preview(api, "", **{"content-type": "text/plain"}).status_code == 200


def test_link_joins_the_pair_past_the_limit_the_steward_has_the_last_word(api: Api) -> None:
    _limit_conflict(api)
    answer = _decide(api, "link")
    assert answer.status_code == 200, answer.text
    assert answer.json()["action"] == "review_link"
    [customer] = answer.json()["customers"]
    graph = api.get(f"/v1/customers/{customer}/graph", scope="steward").json()
    states = {(x["a"], x["b"]): x["state"] for x in graph["links"]}
    assert states[("crm_id:C3", "email:shared.inbox@x.com")] == "manual"
    # the steward link joins first; the limit of two CRM ids then refuses the newest other one
    assert graph["kind_counts"]["crm_id"] == 2
    [refused] = api.get("/v1/review/conflicts", scope="steward").json()["items"]
    assert (refused["a"], refused["b"]) == ("crm_id:C2", "email:shared.inbox@x.com")
