"""The layered guards on real routes: login, 404 for the hidden, 403 for the refused,
``can()`` in templates, the per-request cache and the project websocket rooms."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, g, render_template_string
from matrix.counting import CountingStore
from matrix.world import World, build_world, client_for

from webapp.authz.guards import (
    KNOWN_GUARDS,
    authorize,
    guard_of,
    guard_permission_of,
    org_required,
    project_required,
    scope_for,
    space_required,
    workspace_required,
)
from webapp.authz.vocabulary import (
    OrgPermission,
    ProjectPermission,
    SpacePermission,
    WorkspacePermission,
)
from webapp.extensions import csrf
from webapp.realtime import may_join


def _test_blueprint() -> Blueprint:
    bp = Blueprint("guarded", __name__)

    @bp.get("/t/org/<org_id>")
    @org_required()
    def org_home(org_id: str) -> str:
        return f"org {g.org['name']} {g.org_member['role']}"

    @bp.get("/t/org/<org_id>/audit")
    @org_required(OrgPermission.AUDIT_VIEW)
    def org_audit(org_id: str) -> str:
        return "audit"

    @bp.get("/t/organization")
    @org_required(OrgPermission.SETTINGS_MANAGE)
    def my_org() -> str:
        return f"mine {g.org['name']}"

    @bp.get("/t/w/<workspace_id>")
    @workspace_required()
    def workspace(workspace_id: str) -> str:
        return render_template_string(
            "{{ g.workspace.name }} settings={{ can('workspace.settings.manage') }}"
            " create={{ can(P.CREATE_PROJECTS) }} junk={{ can('no.such.key') }}",
            P=WorkspacePermission)

    @bp.post("/t/w/<workspace_id>/settings")
    @workspace_required(WorkspacePermission.MANAGE_SETTINGS)
    def workspace_settings(workspace_id: str) -> str:
        return "saved"

    @bp.get("/t/s/<space_id>")
    @space_required()
    def space(space_id: str) -> str:
        return f"space {g.space['key']} in {g.workspace['name']}"

    @bp.post("/t/w/<workspace_id>/s/<space_id>/delete")
    @space_required(SpacePermission.DELETE_SPACE)
    def space_delete(workspace_id: str, space_id: str) -> str:
        return "deleted"

    @bp.get("/t/p/<project_id>")
    @project_required()
    def project(project_id: str) -> str:
        return render_template_string(
            "{{ g.project.key }} create={{ can('project.tasks.create') }}"
            " delete={{ can('project.delete') }} ws={{ can('workspace.view') }}")

    @bp.post("/t/w/<workspace_id>/p/<project_id>/tasks")
    @project_required(ProjectPermission.CREATE_TASKS)
    def project_tasks(workspace_id: str, project_id: str) -> str:
        return "created"

    @bp.post("/t/p/<project_id>/sprints/start")
    @project_required()
    def start_sprint(project_id: str) -> str:
        authorize(ProjectPermission.START_SPRINT)  # the in-view check for a second key
        return "started"

    csrf.exempt(bp)
    return bp


@pytest.fixture
def guarded_app(app: Any) -> Any:
    """The app plus the test routes, without the lifecycle routing table (the guards are
    tested on their own here; ``tests/test_route_matrix.py`` runs the whole pipeline)."""
    app.register_blueprint(_test_blueprint())
    app.before_request_funcs[None] = [
        f for f in app.before_request_funcs.get(None, []) if f.__name__ != "lifecycle_guard"
    ]
    return app


@pytest.fixture
def world(guarded_app: Any, runtime: Any) -> World:
    return build_world(runtime.store)


def get(app: Any, world: World, actor: str, path: str, **kwargs: Any) -> Any:
    user = None if actor == "anonymous" else world.user(actor)
    return client_for(app, user).get(path, **kwargs)


def post(app: Any, world: World, actor: str, path: str, **kwargs: Any) -> Any:
    user = None if actor == "anonymous" else world.user(actor)
    return client_for(app, user).post(path, **kwargs)


def test_anonymous_goes_to_login(guarded_app: Any, world: World) -> None:
    path = f"/t/w/{world.workspace['$id']}"
    response = get(guarded_app, world, "anonymous", path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert path in response.headers["Location"]
    fragment = get(guarded_app, world, "anonymous", path, headers={"HX-Request": "true"})
    assert fragment.status_code == 401
    assert "HX-Redirect" in fragment.headers
    api = get(guarded_app, world, "anonymous", path, headers={"Accept": "application/json"})
    assert api.status_code == 401
    # the login check comes first: no hint whether the resource exists
    assert get(guarded_app, world, "anonymous", "/t/w/missing").status_code == 302
    assert post(guarded_app, world, "anonymous", f"/t/p/{world.project['$id']}/sprints/start",
                headers={"HX-Request": "true"}).status_code == 401


def test_workspace_page(guarded_app: Any, world: World) -> None:
    for actor, status in (
        ("outsider", 404), ("org_member", 404), ("org_moderator", 404),
        ("org_admin", 403),  # a department gives org access: the workspace is listed, not open
        ("ws_viewer", 200), ("ws_editor", 200), ("ws_admin", 200), ("org_owner", 200),
    ):
        response = get(guarded_app, world, actor, f"/t/w/{world.workspace['$id']}")
        assert response.status_code == status, actor


def test_workspace_write(guarded_app: Any, world: World) -> None:
    for actor, status in (
        ("outsider", 404), ("org_member", 404), ("ws_viewer", 403), ("ws_editor", 403),
        ("ws_admin", 200), ("org_owner", 200),
    ):
        response = post(guarded_app, world, actor, f"/t/w/{world.workspace['$id']}/settings")
        assert response.status_code == status, actor


def test_can_in_templates(guarded_app: Any, world: World) -> None:
    path = f"/t/w/{world.workspace['$id']}"
    assert get(guarded_app, world, "ws_admin", path).get_data(as_text=True) == (
        "Core settings=True create=True junk=False")
    assert get(guarded_app, world, "ws_editor", path).get_data(as_text=True) == (
        "Core settings=False create=True junk=False")
    assert get(guarded_app, world, "ws_viewer", path).get_data(as_text=True) == (
        "Core settings=False create=False junk=False")
    project = f"/t/p/{world.project['$id']}"
    assert get(guarded_app, world, "p_viewer", project).get_data(as_text=True) == (
        "RKT create=False delete=False ws=True")
    assert get(guarded_app, world, "p_member", project).get_data(as_text=True) == (
        "RKT create=True delete=False ws=True")
    assert get(guarded_app, world, "p_owner", project).get_data(as_text=True) == (
        "RKT create=True delete=True ws=True")
    # an org admin owns every project without being a workspace member
    assert get(guarded_app, world, "org_admin", project).get_data(as_text=True) == (
        "RKT create=True delete=True ws=False")


def test_can_outside_a_guarded_request_is_false(guarded_app: Any) -> None:
    from webapp.authz.templating import can

    with guarded_app.test_request_context("/"):
        g.user = None
        assert can("workspace.view") is False
        assert can(WorkspacePermission.VIEW_ALL) is False


def test_private_space(guarded_app: Any, world: World) -> None:
    for actor, status in (
        ("outsider", 404), ("org_member", 404), ("ws_viewer", 404), ("ws_editor", 404),
        ("ws_admin", 200), ("org_owner", 200),
        # project members reach their project inside the private space, not the space itself
        ("p_member", 404),
    ):
        assert get(guarded_app, world, actor,
                   f"/t/s/{world.private_space['$id']}").status_code == status, actor


def test_public_space(guarded_app: Any, world: World) -> None:
    for actor, status in (
        ("outsider", 404), ("ws_viewer", 200), ("ws_editor", 200), ("ws_admin", 200),
    ):
        response = get(guarded_app, world, actor, f"/t/s/{world.public_space['$id']}")
        assert response.status_code == status, actor
        if status == 200:
            assert response.get_data(as_text=True) == "space PUB in Core"


def test_space_write(guarded_app: Any, world: World) -> None:
    for actor, status in (
        ("outsider", 404), ("ws_viewer", 403), ("ws_editor", 403), ("ws_admin", 200),
    ):
        path = f"/t/w/{world.workspace['$id']}/s/{world.public_space['$id']}/delete"
        assert post(guarded_app, world, actor, path).status_code == status, actor


def test_project_page(guarded_app: Any, world: World) -> None:
    for actor, status in (
        ("outsider", 404), ("org_member", 404), ("ws_editor", 404), ("ws_admin", 200),
        ("org_admin", 200), ("org_moderator", 200), ("p_viewer", 200), ("p_member", 200),
    ):
        response = get(guarded_app, world, actor, f"/t/p/{world.project['$id']}")
        assert response.status_code == status, actor


def test_project_write(guarded_app: Any, world: World) -> None:
    for actor, status in (
        ("outsider", 404), ("ws_editor", 404), ("p_viewer", 403), ("p_member", 200),
        ("p_admin", 200), ("p_owner", 200),
    ):
        path = f"/t/w/{world.workspace['$id']}/p/{world.project['$id']}/tasks"
        assert post(guarded_app, world, actor, path).status_code == status, actor


def test_authorize_inside_a_view(guarded_app: Any, world: World) -> None:
    for actor, status in (
        ("p_viewer", 403), ("p_member", 403), ("p_admin", 200), ("outsider", 404),
    ):
        path = f"/t/p/{world.project['$id']}/sprints/start"
        assert post(guarded_app, world, actor, path).status_code == status, actor


def test_ids_of_another_chain_are_404(guarded_app: Any, world: World) -> None:
    path = f"/t/w/{world.other_workspace['$id']}/p/{world.project['$id']}/tasks"
    assert post(guarded_app, world, "org_owner", path).status_code == 404
    assert get(guarded_app, world, "org_owner", "/t/p/does-not-exist").status_code == 404
    assert get(guarded_app, world, "org_owner", "/t/w/does-not-exist").status_code == 404


@pytest.mark.parametrize("actor, home, audit", [
    ("org_owner", 200, 200), ("org_admin", 200, 200), ("org_member", 200, 403),
    ("org_moderator", 200, 403),
    ("outsider", 404, 404),
])
def test_org_pages(guarded_app: Any, world: World, actor: str, home: int, audit: int) -> None:
    org_id = world.org["$id"]
    response = get(guarded_app, world, actor, f"/t/org/{org_id}")
    assert response.status_code == home
    if home == 200:
        assert response.get_data(as_text=True).startswith("org Acme ")
    assert get(guarded_app, world, actor, f"/t/org/{org_id}/audit").status_code == audit


def test_org_keys_through_a_department(guarded_app: Any, world: World, runtime: Any) -> None:
    store = runtime.store
    org_id = world.org["$id"]
    assert get(guarded_app, world, "org_member", f"/t/org/{org_id}/audit").status_code == 403
    member = world.user("org_member")
    row = store.first("organization_members", [])
    assert row is not None
    row = next(m for m in store.list("organization_members").documents
               if m["user_id"] == member["$id"])
    department = store.create("departments", {"organization_id": org_id, "name": "Compliance",
                                               "permissions": ["org.audit.view"]})
    store.create("org_member_departments", {"organization_id": org_id, "member_id": row["$id"],
                                             "user_id": member["$id"],
                                             "department_id": department["$id"]})
    assert get(guarded_app, world, "org_member", f"/t/org/{org_id}/audit").status_code == 200


def test_org_without_id_means_the_primary_org(guarded_app: Any, world: World,
                                              runtime: Any) -> None:
    assert get(guarded_app, world, "org_owner", "/t/organization").get_data(
        as_text=True) == "mine Acme"
    assert get(guarded_app, world, "org_member", "/t/organization").status_code == 403
    assert get(guarded_app, world, "outsider", "/t/organization").get_data(
        as_text=True) == "mine Other"
    runtime.store.update("users", world.user("ws_viewer")["$id"],
                         {"primary_organization_id": None})
    assert get(guarded_app, world, "ws_viewer", "/t/organization").status_code == 404


def test_inactive_org_member_gets_403(guarded_app: Any, world: World, runtime: Any) -> None:
    store = runtime.store
    row = next(m for m in store.list("organization_members").documents
               if m["user_id"] == world.user("org_member")["$id"])
    store.update("organization_members", row["$id"], {"status": "SUSPENDED"})
    assert get(guarded_app, world, "org_member", f"/t/org/{world.org['$id']}").status_code == 403


def test_scope_is_loaded_once_per_request(guarded_app: Any, world: World) -> None:
    with guarded_app.test_request_context("/"):
        g.user = world.user("p_member")
        first = scope_for(project_id=world.project["$id"])
        again = scope_for(project_id=world.project["$id"])
        assert first is again
        other = scope_for(workspace_id=world.workspace["$id"])
        assert other is not first


def test_project_rooms_follow_project_view(guarded_app: Any, world: World,
                                           runtime: Any) -> None:
    room = f"project:{world.project['$id']}"
    with guarded_app.test_request_context("/"):
        assert may_join(world.user("p_viewer"), room)
        assert may_join(world.user("org_admin"), room)
        assert may_join(world.user("ws_admin"), room)
        assert not may_join(world.user("ws_editor"), room)
        assert not may_join(world.user("outsider"), room)
        assert not may_join(world.user("p_viewer"), "project:missing")
        # revoked: the periodic re-check sees it (no cache across checks)
        row = next(m for m in runtime.store.list("project_members").documents
                   if m["user_id"] == world.user("p_viewer")["$id"])
        runtime.store.update("project_members", row["$id"], {"status": "REMOVED"})
        assert not may_join(world.user("p_viewer"), room)


def test_guard_markers(guarded_app: Any) -> None:
    views = guarded_app.view_functions
    assert guard_of(views["guarded.workspace_settings"]) == "workspace_required"
    assert guard_permission_of(views["guarded.workspace_settings"]) == (
        "workspace.settings.manage")
    assert guard_of(views["guarded.project"]) == "project_required"
    assert guard_permission_of(views["guarded.project"]) is None
    assert guard_of(views["guarded.org_audit"]) == "org_required"
    assert guard_of(views["guarded.space"]) == "space_required"
    for name in ("guarded.org_home", "guarded.space_delete", "guarded.project_tasks"):
        assert guard_of(views[name]) in KNOWN_GUARDS


def test_a_guard_needs_its_id_in_the_url(guarded_app: Any, world: World) -> None:
    bp = Blueprint("broken", __name__)

    @bp.get("/t/broken")
    @workspace_required()
    def broken() -> str:
        return "never"

    app = guarded_app
    app.register_blueprint(bp)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(LookupError):
        get(app, world, "org_owner", "/t/broken")


AUTHZ_COLLECTIONS = frozenset({
    "organizations", "organization_members", "departments", "org_member_departments",
    "org_member_permissions", "workspaces", "workspace_members", "spaces", "space_members",
    "projects", "project_members", "project_roles", "project_teams", "project_team_members",
    "project_permissions",
})


def test_a_guarded_page_and_its_can_checks_cost_three_reads(guarded_app: Any, world: World,
                                                            runtime: Any) -> None:
    """The guard's load is the request's only authorization cost: the page's three
    ``can()`` checks reuse it (the session and user reads are the identity layer's)."""
    client = client_for(guarded_app, world.user("ws_editor"))
    path = f"/t/w/{world.workspace['$id']}"
    assert client.get(path).status_code == 200  # warms the lifecycle cache, if any
    counting = CountingStore(runtime.store)
    runtime.__dict__["store"] = counting
    try:
        assert client.get(path).status_code == 200
    finally:
        runtime.__dict__["store"] = counting._store
    reads = [(method, collection) for method, collection in counting.log
             if collection in AUTHZ_COLLECTIONS]
    assert len(reads) <= 3, reads
