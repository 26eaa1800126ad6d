"""GET /v1/customers/{id}/context within a budget, with contact values masked or hidden."""

from __future__ import annotations

import json

from app.services.demo import load_demo
from resolvers.customer360.context import MIN_CHARS
from tests.support.api import Api


def _largest(api: Api, count: int) -> list[str]:
    customers = [c for batch in api.engine.store.scan_customers(500) for c in batch]
    return [c.id for c in sorted(customers, key=lambda c: (-c.size, c.id))[:count]]


def _contacts(api: Api, customer_id: str) -> list[str]:
    members = api.engine.store.read(lambda tx: tx.members([customer_id]))
    return [key.split(":", 1)[1] for key, s in members.items() if s.kind in ("email", "phone")]


def test_the_budget_holds_for_the_largest_demo_customers_and_no_contact_leaks(api: Api) -> None:
    load_demo(api.engine, 300, 7)
    for customer_id in _largest(api, 8):
        path = f"/v1/customers/{customer_id}/context"
        contacts = _contacts(api, customer_id)
        assert contacts
        for budget in (MIN_CHARS, 600, 1200):
            doc = api.get(path, scope="read", max_chars=budget)
            assert doc.status_code == 200
            assert len(doc.text) <= budget  # the body as served, compact JSON
            text = api.client.get(
                path,
                params={"max_chars": budget, "contacts": "hidden"},
                headers={**api.headers["read"], "Accept": "text/plain"},
            )
            assert len(text.text) <= budget
        whole = api.get(path, scope="read").text
        hidden = api.get(path, scope="read", contacts="hidden").text
        assert not [c for c in contacts if c.lower() in whole.lower()]
        assert not [c for c in contacts if c.lower() in hidden.lower()]
        full = api.get(path, scope="read", contacts="full").json()
        assert set(full["who"]["emails"] + full["who"]["phones"]) <= set(contacts)


def test_a_budget_under_the_floor_or_an_unknown_view_is_a_precise_422(api: Api) -> None:
    load_demo(api.engine, 20, 7)
    customer_id = _largest(api, 1)[0]
    low = api.get(f"/v1/customers/{customer_id}/context", scope="read", max_chars=10)
    assert low.status_code == 422
    assert json.loads(low.text)["errors"][0]["loc"] == ["query", "max_chars"]
    odd = api.get(f"/v1/customers/{customer_id}/context", scope="read", contacts="some")
    assert odd.status_code == 422
    assert odd.json()["errors"][0]["loc"] == ["query", "contacts"]
