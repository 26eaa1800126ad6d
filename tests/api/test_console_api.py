"""The console's page, assets and key check, as HTTP (the browser tests click through them)."""

from __future__ import annotations

from tests.support.api import Api


def test_the_root_leads_to_the_console(api: Api) -> None:
    root = api.client.get("/", follow_redirects=False)
    assert root.status_code == 307 and root.headers["location"] == "/console"


def test_the_console_page_and_assets_carry_a_strict_content_policy(api: Api) -> None:
    page = api.client.get("/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert page.headers["cache-control"] == "no-store"
    script = api.client.get("/console/static/js/main.mjs")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["content-security-policy"] == policy
    assert script.headers["x-content-type-options"] == "nosniff"
    css = api.client.get("/console/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert api.client.get("/console/static/nothing.js").status_code == 404
    assert api.client.get("/console/static/../../settings.py").status_code == 404


def test_every_asset_the_page_names_is_served_from_this_host(api: Api) -> None:
    page = api.client.get("/console").text
    assert "http://" not in page and "https://" not in page
    for path in ("/console/static/console.css", "/console/static/js/main.mjs"):
        assert path in page and api.client.get(path).status_code == 200
    licence = api.client.get("/console/static/vendor/cytoscape.LICENSE").text
    assert "The Cytoscape Consortium" in licence


def test_keys_me_names_the_calling_key_and_its_scopes(api: Api) -> None:
    me = api.get("/v1/keys/me", scope="steward").json()
    assert me["name"] == "steward key" and me["scopes"] == ["steward"]
    assert "digest" not in me
    assert api.client.get("/v1/keys/me").status_code == 401
