"""Person evidence over HTTP: a matched link explains itself field by field; proposals queue."""

from __future__ import annotations

from tests.support.api import Api

JANE = {
    "first_name": "Jane",
    "last_name": "Doe",
    "birth_date": "1990-02-03",
    "street": "12 Wallaby Street",
    "postcode": "2000",
}


def body(record_id: str, kind: str, value: str, at: str, **attributes: str) -> dict[str, object]:
    return {
        "id": record_id,
        "source": "crm",
        "observed_at": at,
        "identifiers": [{"kind": kind, "value": value}],
        "attributes": attributes,
    }


def test_a_matched_link_shows_each_field_its_level_weight_and_total(api: Api) -> None:
    first = api.post(
        "/v1/observations", body("crm-1", "crm_id", "C1", "2026-01-01T00:00:00Z", **JANE)
    ).json()
    typo = {**JANE, "first_name": "Jnae", "birth_date": "1990/03/02"}
    second = api.post(
        "/v1/observations", body("shop-1", "email", "jd@b.com", "2026-01-02T00:00:00Z", **typo)
    ).json()
    assert second["customer_id"] == first["customer_id"]
    customer = first["customer_id"]
    graph = api.get(f"/v1/customers/{customer}/graph", scope="steward").json()
    [link] = graph["links"]
    assert link["state"] == "matched"
    person = link["person_evidence"]
    assert person["records"] == ["crm-1", "shop-1"]
    assert person["match_key"] == "+GIVEN+SURNAME+DOB+STREET+POSTCODE"
    levels = {f["field"]: f["level"] for f in person["fields"]}
    assert levels["first_name"] == "close" and levels["last_name"] == "exact"
    assert levels["gender"] == "absent"
    assert abs(sum(f["weight"] for f in person["fields"]) - person["total"]) < 1e-3
    assert person["total"] >= person["upper"] and person["decision"] == "match"
    explained = api.get(
        f"/v1/customers/{customer}/explain", scope="steward", a="crm_id:C1", b="email:jd@b.com"
    ).json()
    assert explained["joined"] is True
    assert explained["path"][0]["person_evidence"]["match_key"] == person["match_key"]


def test_a_proposal_is_listed_for_review_with_its_score(api: Api) -> None:
    for i, at in enumerate(["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]):
        api.post(
            "/v1/observations",
            body(f"r{i}", "email", f"jane{i}@b.com", at, first_name="Jane", birth_date="19900203"),
        )
    queue = api.get("/v1/review/conflicts", scope="steward").json()
    [item] = queue["items"]
    assert item["reason"].startswith("review: person evidence scores 17.56 (+GIVEN+DOB)")
    assert item["person_evidence"] is None
