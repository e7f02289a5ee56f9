"""The OpenAPI document is generated from the code and covers every API route; the
reference page renders it without inline script or style."""

from __future__ import annotations

import re
from typing import Any

from webapp.api.base import api
from webapp.api.openapi import openapi_path
from webapp.storage.query import Query


def test_every_api_route_is_documented_with_schemas_and_examples(app: Any, client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["jsonSchemaDialect"].endswith("2020-12/schema")
    routes = {(openapi_path(rule.rule.removeprefix("/api/v1")), method.lower())
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert routes == documented and len(routes) == len(api.operations) >= 25
    by_id = {op.endpoint.split(".", 1)[1]: op for op in api.operations}
    for item in doc["paths"].values():
        for operation in item.values():
            op = by_id[operation["operationId"]]
            assert operation["x-keel-scope"] == op.scope in ("read", "write", "admin")
            responses = operation["responses"]
            for status in ("401", "403", "404", "429"):
                error = responses[status]["content"]["application/json"]
                assert error["schema"] == {"$ref": "#/components/schemas/Error"}
            assert "Retry-After" in responses["429"]["headers"]
            success = responses[str(op.status)]
            if op.response is not None:
                media = success["content"]["application/json"]
                op.response.model_validate(media["example"])  # the example is valid
            if op.body is not None:
                media = operation["requestBody"]["content"]["application/json"]
                op.body.model_validate(media["example"])
                assert "422" in responses


def test_the_update_documents_if_match_and_etag(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    path = "/api/v1/workspaces/{workspace_id}/projects/{project_id}/items/{item_id}"
    patch = doc["paths"][path]["patch"]
    header = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert header["in"] == "header" and header["required"] is True
    assert {"409", "428"} <= set(patch["responses"]) and "ETag" in patch["responses"]["200"][
        "headers"]
    listing = doc["paths"][path.rsplit("/", 1)[0]]["get"]
    names = {p["name"] for p in listing["parameters"] if p["in"] == "query"}
    assert names == {"status", "priority", "type", "assignee", "label", "q", "sort", "limit",
                     "cursor"}


def test_the_reference_page_renders_the_document(client: Any) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "List work items" in html and "schema-WorkItem" in html
    assert 'href="/api/v1/openapi.json"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert " style=" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_an_account_that_is_not_ready_is_refused(store: Any, owner: Any, token_for: Any,
                                                 call: Any) -> None:
    secret = token_for(owner)
    store.update("users", owner["$id"], {"email_verified_at": None})
    # the lifecycle cache is keyed by the user's $updatedAt: the change shows at once
    got = call("GET", "/me", secret)
    assert got.status_code == 403 and got.get_json()["code"] == "account_not_ready"
    assert store.count("api_tokens", [Query.equal("user_id", owner["$id"])]) == 1
