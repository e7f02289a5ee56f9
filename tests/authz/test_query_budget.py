"""The authorization budget through the real guards: at most 3 store reads per page for
every actor, on organization, workspace, space and project pages, allowed or refused.

A space or project page reads its workspace document once more *after* the decision
(the page shows it; the guard cross-checks the copies the decision used with it); that
read is page data and is asserted separately. Refusals never pay it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, g
from matrix.counting import CountingStore
from matrix.world import ACTORS, World, build_world, client_for

from webapp.authz.guards import (
    org_required,
    project_required,
    space_required,
    workspace_required,
)
from webapp.authz.mirrors import backfill
from webapp.authz.vocabulary import OrgPermission

AUTHZ_COLLECTIONS = frozenset({
    "organizations", "organization_members", "departments", "org_member_departments",
    "org_member_permissions", "workspaces", "workspace_members", "spaces", "space_members",
    "projects", "project_members", "project_roles", "project_teams", "project_team_members",
    "project_permissions",
})
SIGNED_IN = [a for a in ACTORS if a != "anonymous"]


_MARKS: list[int] = []  # how many store calls the guard had made when it answered
_COUNTER: list[CountingStore] = []


def _mark() -> None:
    if _COUNTER:
        _MARKS.append(len(_COUNTER[0].log))


def _pages() -> Blueprint:
    bp = Blueprint("budget", __name__)

    @bp.get("/b/org/<org_id>")
    @org_required()
    def org_page(org_id: str) -> str:
        _mark()
        return f"org {g.org['name']}"

    @bp.get("/b/org/<org_id>/members")
    @org_required(OrgPermission.MEMBERS_VIEW)
    def org_members_page(org_id: str) -> str:
        _mark()
        return "members"

    @bp.get("/b/w/<workspace_id>")
    @workspace_required()
    def workspace_page(workspace_id: str) -> str:
        _mark()
        return f"workspace {g.workspace['name']}"

    @bp.get("/b/s/<space_id>")
    @space_required()
    def space_page(space_id: str) -> str:
        _mark()
        return f"space {g.space['key']} in {g.workspace['name']}"

    @bp.get("/b/p/<project_id>")
    @project_required()
    def project_page(project_id: str) -> str:
        _mark()
        return f"project {g.project['key']} in {g.workspace['name']}"

    return bp


@pytest.fixture
def app_and_world(app: Any, runtime: Any, monkeypatch: pytest.MonkeyPatch
                  ) -> tuple[Any, World]:
    from webapp.authz import guards

    real_abort = guards.abort

    def abort(*args: Any, **kwargs: Any) -> Any:
        _mark()  # a refusal: the guard's reads end here (the error page reads more)
        return real_abort(*args, **kwargs)

    monkeypatch.setattr(guards, "abort", abort)
    app.register_blueprint(_pages())
    app.before_request_funcs[None] = [
        f for f in app.before_request_funcs.get(None, []) if f.__name__ != "lifecycle_guard"
    ]
    world = build_world(runtime.store)
    backfill(runtime.store)  # a migrated database: every row carries its copies
    return app, world


def _paths(world: World) -> dict[str, str]:
    return {
        "org": f"/b/org/{world.org['$id']}",
        "org members tab": f"/b/org/{world.org['$id']}/members",
        "workspace": f"/b/w/{world.workspace['$id']}",
        "public space": f"/b/s/{world.public_space['$id']}",
        "private space": f"/b/s/{world.private_space['$id']}",
        "project": f"/b/p/{world.project['$id']}",
    }


def _cost(app: Any, runtime: Any, user: Any, path: str) -> tuple[int, list[tuple[str, str]]]:
    client = client_for(app, user)
    client.get(path)  # warm the identity layer's caches
    counting = CountingStore(runtime.store)
    runtime.__dict__["store"] = counting
    _MARKS.clear()
    _COUNTER[:] = [counting]
    try:
        status = client.get(path).status_code
    finally:
        runtime.__dict__["store"] = counting._store
        _COUNTER.clear()
    assert _MARKS, path
    guard_calls = counting.log[:_MARKS[0]]
    return status, [(m, c) for m, c in guard_calls if c in AUTHZ_COLLECTIONS]


def test_every_actor_every_page_within_three_reads(app_and_world: tuple[Any, World],
                                                   runtime: Any) -> None:
    app, world = app_and_world
    costs: dict[tuple[str, str], tuple[int, int]] = {}
    for actor in SIGNED_IN:
        for page, path in _paths(world).items():
            status, reads = _cost(app, runtime, world.user(actor), path)
            authorization = list(reads)
            if status == 200 and page in ("public space", "private space", "project"):
                # the page's workspace document, read after the decision
                assert authorization[-1] == ("find", "workspaces"), (actor, page, reads)
                authorization = authorization[:-1]
            assert len(authorization) <= 3, (actor, page, status, reads)
            assert ("find", "workspaces") not in authorization[1:] or page == "workspace", (
                actor, page, reads)
            costs[(actor, page)] = (status, len(authorization))
    # the walk covered allowed and refused answers on every layer
    statuses = {(page, status) for (_, page), (status, _) in costs.items()}
    for page in _paths(world):
        assert (page, 200) in statuses, page
        assert (page, 404) in statuses, page
    assert ("org members tab", 403) in statuses
    # spot checks of what each answer costs
    assert costs[("p_member", "project")] == (200, 3)  # project, workspace + project rows
    assert costs[("ws_admin", "project")] == (200, 2)  # the workspace admin override
    assert costs[("org_admin", "project")] == (200, 3)  # not in Core: the org row decides
    assert costs[("outsider", "project")] == (404, 3)
    assert costs[("ws_viewer", "private space")] == (404, 3)
    assert costs[("org_member", "org")] == (200, 2)
    assert costs[("org_admin", "org members tab")] == (200, 2)  # the ADMIN role's own key
    assert costs[("org_moderator", "org members tab")] == (403, 2)  # no key, none copied


def test_refusals_never_read_the_workspace_document(app_and_world: tuple[Any, World],
                                                    runtime: Any) -> None:
    app, world = app_and_world
    for actor in ("outsider", "ws_editor", "org_member"):
        status, reads = _cost(app, runtime, world.user(actor), _paths(world)["project"])
        assert status == 404
        assert ("find", "workspaces") not in reads, reads
