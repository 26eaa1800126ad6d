"""The steward console in headless Chromium against a real ``c360 serve``.

The tests run in file order on one server and one browser, as a steward's session would:
sign in, find a customer by a reformatted phone, read the graph, explain a path, cut the
bridge, answer the review queue, preview a policy. Each main page is saved as a screenshot
(``tests/support/browser.py`` says where).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.support.browser import screenshot
from tests.support.serve import Server, c360

pytestmark = pytest.mark.e2e

PHONE_AS_TYPED = "+886 (912) 555-678"  # stored as phone:+886912555678


def observation(
    record_id: str, at: str, *identifiers: tuple[str, str], **attributes: Any
) -> dict[str, Any]:
    return {
        "id": record_id,
        "source": "crm" if record_id.startswith("crm") else "eshop",
        "observed_at": at,
        "identifiers": [{"kind": k, "value": v} for k, v in identifiers],
        "attributes": attributes,
    }


JANE = {"first_name": "Jane", "last_name": "Lin", "birth_date": "1990-02-03", "city": "Taipei"}
INBOX = ("email", "front.desk@shop.example")
RECORDS = [
    # Jane: a CRM record with e-mail and phone, then a web record with the same phone and a
    # work e-mail: the phone - work e-mail link is the bridge that holds the work e-mail in.
    observation(
        "crm-1", "2025-01-05T09:00:00Z",
        ("crm_id", "C100"), ("email", "jane.lin@gmail.com"), ("phone", "0912555678"), **JANE,
    ),
    observation(
        "web-1", "2025-03-02T10:00:00Z",
        ("phone", "0912 555 678"), ("email", "jane.lin@acme.com.tw"),
    ),
    # A shared inbox seen with three CRM ids: the third is refused by the limit (review queue).
    observation("crm-2", "2025-01-01T00:00:00Z", ("crm_id", "C1"), INBOX),
    observation("crm-3", "2025-02-01T00:00:00Z", ("crm_id", "C2"), INBOX),
    observation("crm-4", "2025-03-01T00:00:00Z", ("crm_id", "C3"), INBOX),
]  # fmt: skip


def order(i: int) -> dict[str, Any]:
    item = {"sku": "K-1", "category": "kettles", "quantity": 1, "unit_price": 1280 * i}
    return {
        "id": f"ord-{i}",
        "type": "order.placed",
        "occurred_at": f"2025-0{i}-10T08:00:00Z",
        "source": "eshop",
        "identifiers": [{"kind": "email", "value": "jane.lin@gmail.com"}],
        "data": {"order_id": str(i), "total": 1280 * i, "currency": "TWD", "items": [item]},
    }


EVENTS = [order(i) for i in (1, 2, 3)]


@pytest.fixture(scope="module")
def steward_key(console_server: Server) -> str:
    for path, key, items in (
        ("/v1/observations/batch", "observations", RECORDS),
        ("/v1/events/batch", "events", EVENTS),
    ):
        answer = httpx.post(
            console_server.url + path, json={key: items}, headers=console_server.headers
        )
        assert answer.status_code == 200, answer.text
    made = c360(
        console_server.env,
        "keys",
        "create",
        "--name",
        "Jo (steward)",
        "--scopes",
        "read,steward,admin",
    )
    return made.stdout.strip().splitlines()[-1]  # fmt: skip


def wait(driver: Chrome, until: Callable[[Chrome], Any], timeout: float = 15) -> Any:
    """Wait for a condition; on time-out, fail with what the page says."""
    try:
        return WebDriverWait(driver, timeout).until(until)
    except TimeoutException:
        page = driver.find_element(By.TAG_NAME, "body").text
        pytest.fail(f"timed out at {driver.current_url}; the page says:\n{page[:2000]}")


def by_id(driver: Chrome, element_id: str) -> WebElement:
    return wait(driver, lambda d: d.find_element(By.ID, element_id))


def text_of(driver: Chrome, element_id: str, contains: str) -> str:
    wait(driver, lambda d: contains in d.find_element(By.ID, element_id).text)
    return str(driver.find_element(By.ID, element_id).text)


def test_the_service_address_leads_to_the_console_under_a_strict_policy(
    console_server: Server,
) -> None:
    root = httpx.get(console_server.url + "/", follow_redirects=False)
    assert root.status_code == 307 and root.headers["location"] == "/console"
    page = httpx.get(console_server.url + "/console")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script" in page.text and "http://" not in page.text and "https://" not in page.text
    asset = httpx.get(console_server.url + "/console/static/vendor/cytoscape.esm.min.mjs")
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")
    assert asset.headers["content-security-policy"] == policy


def test_sign_in_refuses_a_bad_key_in_words_then_keeps_the_key_for_the_tab_only(
    browser: Chrome, console_server: Server, steward_key: str
) -> None:
    browser.get(console_server.url + "/")
    by_id(browser, "api-key").send_keys("c360_nope_nope")
    by_id(browser, "signin").click()
    assert "unknown or revoked" in text_of(browser, "signin-form", "unknown")
    screenshot(browser, "sign-in")
    field = by_id(browser, "api-key")
    field.clear()
    field.send_keys(steward_key)
    by_id(browser, "signin").click()
    by_id(browser, "find-value")
    assert (
        browser.execute_script("return sessionStorage.getItem('c360.console.key')") == steward_key
    )
    assert browser.execute_script("return localStorage.length") == 0
    assert steward_key not in browser.current_url
    assert "Jo (steward)" in by_id(browser, "who").text


def test_an_unknown_identifier_is_said_in_words(browser: Chrome) -> None:
    browser.get(browser.current_url.split("#")[0] + "#/find")
    by_id(browser, "find-value").send_keys("nobody@example.com")
    by_id(browser, "find").click()
    assert text_of(browser, "find-error", "No customer") == "No customer has this email."


def test_find_by_a_reformatted_phone_shows_the_profile_and_the_graph(browser: Chrome) -> None:
    field = by_id(browser, "find-value")
    field.clear()
    field.send_keys(PHONE_AS_TYPED)
    by_id(browser, "find").click()
    assert by_id(browser, "customer-name").text == "Jane Lin"
    graph = by_id(browser, "graph")
    wait(
        browser,
        lambda d: (
            graph.get_attribute("data-nodes") and d.find_elements(By.CSS_SELECTOR, "#graph canvas")
        ),
    )
    # C100, jane.lin@, jane@work, the phone; the triangle of the CRM record and the web link
    assert graph.get_attribute("data-nodes") == "4"
    assert graph.get_attribute("data-links") == "4"
    assert graph.get_attribute("data-bridges") == "1"
    browser.find_element(By.CSS_SELECTOR, ".links-details summary").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#link-table tbody tr")
    assert len(rows) == 4
    assert sum("bridge" in row.text for row in rows) == 1
    timeline = text_of(browser, "timeline", "Order")
    assert timeline.count("Order placed") == 3
    browser.find_element(By.CSS_SELECTOR, ".links-details summary").click()
    screenshot(browser, "customer")


def test_explain_the_path_between_two_identifiers(browser: Chrome) -> None:
    Select(by_id(browser, "explain-a")).select_by_value("crm_id:C100")
    Select(by_id(browser, "explain-b")).select_by_value("email:jane.lin@acme.com.tw")
    by_id(browser, "explain").click()
    summary = text_of(browser, "explain-summary", "joined through")
    assert "crm_id:C100 and email:jane.lin@acme.com.tw are joined through 2 link(s)" in summary
    steps = browser.find_elements(By.CSS_SELECTOR, "#explain-summary .path-steps li")
    assert len(steps) == 2 and "phone:+886912555678" in steps[1].text
    screenshot(browser, "explain", "graph-card")


def test_cut_the_bridge_and_see_two_customers(browser: Chrome) -> None:
    kept = by_id(browser, "customer-id").text
    browser.find_element(By.CSS_SELECTOR, ".links-details summary").click()
    bridge = next(
        row
        for row in browser.find_elements(By.CSS_SELECTOR, "#link-table tbody tr")
        if "bridge" in row.text
    )
    bridge.find_element(By.TAG_NAME, "button").send_keys(Keys.ENTER)  # the keyboard path
    panel = text_of(browser, "selection", "bridge")
    assert "email:jane.lin@acme.com.tw" in panel and "phone:+886912555678" in panel
    assert "web-1" in panel and "eshop" in panel  # the evidence: observation and source
    screenshot(browser, "link-evidence")
    by_id(browser, "cut").click()
    assert "stay cut" in by_id(browser, "action-text").text
    by_id(browser, "action-confirm").click()  # no reason yet: the dialog stays open
    assert by_id(browser, "action-dialog").get_attribute("open") is not None
    by_id(browser, "action-reason").send_keys("the work address belongs to a colleague")
    by_id(browser, "action-confirm").click()
    result = text_of(browser, "action-result", "now two")
    links = browser.find_elements(By.CSS_SELECTOR, "#action-result a.customer-link")
    assert len(links) == 2 and kept in [a.text for a in links]
    assert f"{kept} (kept the id)" in result
    graph = by_id(browser, "graph")
    wait(
        browser,
        lambda d: (
            graph.get_attribute("data-nodes") == "4" and graph.get_attribute("data-bridges") == "0"
        ),
    )
    history = text_of(browser, "history", "suppress link")
    assert "the work address belongs to a colleague" in history and "Jo (steward)" in history
    screenshot(browser, "customer-after-cut")


def test_merge_the_split_off_customer_back_with_a_reason(browser: Chrome) -> None:
    kept = by_id(browser, "customer-id").text
    links = browser.find_elements(By.CSS_SELECTOR, "#action-result a.customer-link")
    other = next(a.text for a in links if a.text != kept)
    by_id(browser, "merge-button").click()
    by_id(browser, "merge-other").send_keys(other)
    by_id(browser, "action-reason").send_keys("same person after all: HR confirmed")
    by_id(browser, "action-confirm").click()
    assert f"Merged into {kept} (kept the id)" in text_of(browser, "action-result", "Merged")
    graph = by_id(browser, "graph")
    wait(browser, lambda d: graph.get_attribute("data-links") == "5")  # + the steward's link
    assert "merge customers" in text_of(browser, "history", "merge customers")
    # a refused action is said in words, and the page stays usable
    by_id(browser, "merge-button").click()
    by_id(browser, "merge-other").send_keys("c_doesnotexist")
    by_id(browser, "action-reason").send_keys("typo")
    by_id(browser, "action-confirm").click()
    assert "Error:" in text_of(browser, "action-result", "Error")


def test_answer_the_review_queue_from_the_keyboard(browser: Chrome, console_server: Server) -> None:
    by_id(browser, "nav").find_element(By.LINK_TEXT, "Review queue").click()
    rows = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#review-rows tr.current"))
    assert "crm_id:C3" in rows[0].text and "limit" in rows[0].text
    screenshot(browser, "review")
    table = by_id(browser, "review-table")
    table.send_keys("n")  # no reason yet: refused in words
    assert "Give a reason first" in text_of(browser, "review-status", "reason")
    by_id(browser, "review-reason").send_keys("three people share the shop's inbox")
    table.send_keys("n")
    assert "Never link: crm_id:C3 — email:front.desk@shop.example" in text_of(
        browser, "review-status", "Never"
    )
    assert "Nothing waiting" in text_of(browser, "review-rows", "Nothing")
    queue = httpx.get(console_server.url + "/v1/review/conflicts", headers=console_server.headers)
    assert queue.json()["items"] == []
    customer = httpx.get(
        console_server.url + "/v1/customers/by-identifier",
        params={"kind": "crm_id", "value": "C3"},
        headers=console_server.headers,
    ).json()["customer_id"]
    history = httpx.get(
        f"{console_server.url}/v1/customers/{customer}/history", headers=console_server.headers
    )
    assert history.json()["items"][0]["action"] == "review_never"


def test_preview_a_policy_and_see_what_it_would_change(
    browser: Chrome, console_server: Server
) -> None:
    before = httpx.get(console_server.url + "/metrics").status_code  # the service is up
    by_id(browser, "nav").find_element(By.LINK_TEXT, "Policy preview").click()
    text = by_id(browser, "policy-text")
    text.clear()
    text.send_keys('[placeholders]\nvalues = ["phone:+886912555678"]\n')
    by_id(browser, "preview").click()
    wait(browser, lambda d: d.find_elements(By.ID, "stat-split"))
    assert by_id(browser, "stat-split").text.startswith("1")
    assert by_id(browser, "stat-merged").text.startswith("0")
    assert "active -> placeholder: 1" in by_id(browser, "policy-result").text
    assert "Never" not in by_id(browser, "agreement").text  # a table of figures, not words
    assert "0.0 %" in by_id(browser, "agreement").text or "n/a" in by_id(browser, "agreement").text
    screenshot(browser, "policy")
    text.send_keys("[limits\n")
    by_id(browser, "preview").click()
    assert "not valid TOML" in text_of(browser, "policy-result", "TOML")
    assert before == 200


def test_the_browser_reported_no_errors(browser: Chrome) -> None:
    logs = browser.get_log("browser")
    severe = [
        entry["message"]
        for entry in logs
        if entry["level"] == "SEVERE"
        and "/v1/" not in entry["message"]  # refused API calls are shown
    ]
    assert severe == []
