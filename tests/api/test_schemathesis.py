"""Schemathesis against the OpenAPI document, through the WSGI app: every operation, with
bodies and parameters generated from its schemas, by a token with every scope. No server
error, no undocumented status or content type, every body valid against its schema.

Path ids are replaced by the ids of a seeded project (random ids would only ever reach the
404 branch, which the contract tests cover); deleting an item targets a fresh one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from features.items.conftest import new_project
from features.workspaces.helpers import acting, make_org, make_user
from hypothesis import HealthCheck, given, settings
from redis import Redis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from webapp import create_app
from webapp.api import tokens
from webapp.config import Settings
from webapp.features.items import checklist, links
from webapp.features.items import service as items
from webapp.storage.query import Query

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[dict[str, Any]]:
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    url = f"{base}/{12 + (int(worker_id[2:]) if worker_id.startswith('gw') else 0)}"
    Redis.from_url(url).flushdb()
    app = create_app(Settings(
        KEEL_ENV="test", KEEL_TESTING=True, KEEL_INSTANCE=tmp_path_factory.mktemp("st"),
        SECRET_KEY="test-secret-key-not-for-production", REDIS_URL=url,
        BASE_URL="http://localhost", RQ_ASYNC=False, API_RATE_LIMIT=100000))
    store = app.extensions["keel.runtime"].store
    owner = make_user(store, "owner@example.com", "Olive Owner", account_type=None)
    org = make_org(store, owner)
    from webapp.features.spaces.service import create_space
    from webapp.features.workspaces.service import create_workspace

    ws = create_workspace(store, acting(owner), owner_id=owner["$id"], name="Engineering",
                          organization_id=org["$id"])
    space = create_space(store, acting(owner), ws["$id"], creator_id=owner["$id"],
                         name="Space", key="SPC")
    project = new_project(store, owner, ws, "Website", "WEB")
    first = items.create_item(store, acting(owner), project, title="First",
                              reporter_id=owner["$id"])
    second = items.create_item(store, acting(owner), project, title="Second",
                               reporter_id=owner["$id"])
    link = links.add_link(store, acting(owner), project, first, second["$id"], "RELATES_TO")
    entry = checklist.add(store, acting(owner), project, first, "Entry")
    secret = tokens.create_token(store, acting(owner), owner["$id"], name="st",
                                 scopes=["read", "write", "admin"]).secret
    ids = {"org_id": org["$id"], "workspace_id": ws["$id"], "space_id": space["$id"],
           "project_id": project["$id"], "item_id": first["$id"], "key": first["key"],
           "link_id": link["$id"], "entry_id": entry["$id"]}
    yield {"app": app, "store": store, "owner": owner, "project": project, "ids": ids,
           "token": secret}
    app.extensions["keel.runtime"].close()


@pytest.mark.parametrize(("mode", "examples"), [(GenerationMode.POSITIVE, 10),
                                                (GenerationMode.NEGATIVE, 5)])
def test_api_conforms_to_its_document(world: dict[str, Any], mode: GenerationMode,
                                      examples: int) -> None:
    """Positive: valid requests. Negative: requests breaking the schema (wrong types,
    missing fields, bad query values), which must be refused with a documented 4xx."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world["app"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            check_case(case, world)

        run()
    if mode is GenerationMode.POSITIVE:  # the happy paths were reached, not only refusals
        made = world["store"].count("work_items", [
            Query.equal("project_id", world["project"]["$id"]),
            Query.not_equal("title", ["First", "Second", "Spare"])])
        assert made > 0


def check_case(case: Any, world: dict[str, Any]) -> None:
    ids = dict(world["ids"])
    if case.method == "DELETE" and case.path.endswith("{item_id}"):
        spare = items.create_item(world["store"], acting(world["owner"]), world["project"],
                                  title="Spare", reporter_id=world["owner"]["$id"])
        ids["item_id"] = spare["$id"]
    case.path_parameters = {name: ids[name] for name in (case.path_parameters or {})}
    headers = {"Authorization": f"Bearer {world['token']}"}
    if case.headers and "If-Match" in case.headers and len(case.headers["If-Match"]) % 2:
        case.headers["If-Match"] = "*"  # half the updates go through, half are refused
    case.call_and_validate(headers=headers, checks=CHECKS)
