"""The route x actor matrix: every rule of ``app.url_map``, every method, every actor.

The world (``tests/matrix/world.py``): organization Acme (owner, admin, moderator,
member), workspace Core (WS_ADMIN, WS_EDITOR, WS_VIEWER, and the four project members as
WS_VIEWER), a private space with project RKT (owner, admin, member, viewer), an outsider
from another organization, and an anonymous visitor. Every route is requested with the
ids of that world substituted into its rule (``ids_for``, ``ids_of_blueprint``), by every
actor, with a valid CSRF token read from a page and an empty form (``FORMS`` adds a field
where a route validates before it looks the resource up); each request is rolled back
(``tests/matrix/harness.py``), so an allowed delete does not change the world.

``EXPECTED`` declares, per ``(endpoint, method)``, the outcome for every actor, built from
the readable helpers below (``workspace(VIEW)``, ``project(ADMIN)``, ``signed_in()`` ...).
Outcomes: ``login`` (sent to sign in: 302 to /login or 401), ``403``, ``404``, and ALLOW
(``ok``, ``redirect``, or ``invalid`` -- a 400/409/422 for the empty form, which means the
guard let the actor through; the feature tests check what a valid form does). A route
without a row fails ``test_every_route_has_a_row``: a new route must say who may use it.
``test_another_tenants_sub_resources_are_404`` then addresses Acme's members, spaces,
projects, roles, teams and grants through the outsider's own organization and workspace.

``KEEL_MATRIX_DUMP=/tmp/matrix.txt`` writes what every actor got (status and Location).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from matrix.areas import AREAS
from matrix.harness import ActorClient, classify, make_client, rolled_back
from matrix.rows import (
    ADMIN,
    ALLOW,
    DELETE,
    EDIT,
    FORBIDDEN,
    HIDDEN,
    LOGIN,
    MEMBER,
    MEMBER_MANAGERS,
    OWNER,
    VIEW,
    Row,
    anonymous_only,
    canonical_alias,
    everyone,
    organization,
    platform_only,
    private_space,
    project,
    row,
    signed_in,
    workspace,
)
from matrix.world import (
    ACTORS,
    World,
    add_extras,
    add_images,
    build_world,
)
from redis import Redis

from webapp import create_app
from webapp.config import Settings


# -- ids substituted into rules --------------------------------------------------------------
def ids_for(world: World) -> dict[str, str]:
    return {
        "org_id": world.org["$id"],
        "workspace_id": world.workspace["$id"],
        "space_id": world.private_space["$id"],
        "project_id": world.project["$id"],
        "member_id": world.members["ws_viewer"]["$id"],
        "role_id": world.custom_role["$id"],
        "user_id": world.user("ws_viewer")["$id"],
        "provider": "google",
        "filename": "css/app.css",
        "instance_number": "0",
        "per_page": "10",
        "page": "1",
        "order": "asc",
        "queue_name": "default",
        "registry_name": "queued",
    }


def ids_of_blueprint(world: World, endpoint: str) -> dict[str, str]:
    for area in AREAS:
        found = area.ids(world, endpoint) if hasattr(area, "ids") else {}
        if found:
            return found
    return _core_ids_of_blueprint(world, endpoint)


def _core_ids_of_blueprint(world: World, endpoint: str) -> dict[str, str]:
    """Ids whose meaning depends on the area: an org route's ``member_id`` is the workspace
    viewer's row in Acme, a project route's is the project viewer's row in RKT; a space
    route's ``user_id`` is the space's VIEWER member, a team route's the team member."""
    if endpoint.startswith("orgs."):
        return {"member_id": world.org_members["ws_viewer"]["$id"],
                "department_id": world.department["$id"]}
    if endpoint.startswith(("projects.", "project_access.")):
        return {"member_id": world.project_members["p_viewer"]["$id"],
                "role_id": world.extras["project_role"]["$id"],
                "team_id": world.extras["team"]["$id"],
                "grant_id": world.extras["grant"]["$id"],
                "user_id": world.user("p_member")["$id"]}
    if endpoint.startswith("spaces."):
        return {"user_id": world.user("ws_viewer")["$id"]}
    return {}


ORG_ADMINS = ("org_owner", "org_admin")  # the ADMIN role's own keys (ORG_ADMIN_PERMISSIONS)
MISSING = "missing0000000000000"  # ids of things the world does not have (tokens, codes)

# -- the table -----------------------------------------------------------------------------
EXPECTED: dict[tuple[str, str], Row] = {
    # shell and health
    ("static", "GET"): everyone(),
    ("web.home", "GET"): everyone(),
    ("web.healthz", "GET"): everyone(),
    # a plain GET is not a websocket upgrade: werkzeug refuses it (400) before any guard;
    # the handshake itself (401 for visitors, 403 cross-origin) is tested in tests/realtime
    ("realtime.socket", "GET"): everyone(frozenset({"invalid"})),
    # sign-in, sign-up, passwords, verification
    ("identity.login", "GET"): anonymous_only(),
    ("identity.login", "POST"): anonymous_only(),
    ("identity.signup", "GET"): anonymous_only(),
    ("identity.signup", "POST"): anonymous_only(),
    ("identity.logout", "POST"): everyone(LOGIN),  # always ends on the sign-in page
    ("identity.forgot_password", "GET"): everyone(),
    ("identity.terms", "GET"): everyone(),  # the texts accepted at sign-up and the gate
    ("identity.dpa", "GET"): everyone(),
    ("identity.forgot_password", "POST"): everyone(),
    ("identity.reset_password", "GET"): everyone(),
    ("identity.reset_password", "POST"): everyone(),
    ("identity.verify_email", "GET"): everyone(),
    ("identity.check_inbox", "GET"): signed_in(),
    ("identity.resend_verification", "POST"): signed_in(),
    ("security.challenge_page", "GET"): anonymous_only(LOGIN),  # no pending challenge
    ("security.challenge_page", "POST"): anonymous_only(LOGIN),
    ("security.challenge_cancel", "POST"): anonymous_only(LOGIN),
    ("security.challenge_send_email", "POST"): anonymous_only(LOGIN),
    # no provider is configured here (404); tests/features/oauth runs them on a double
    ("oauth.start", "GET"): everyone(HIDDEN),
    ("oauth.callback", "GET"): everyone(HIDDEN),
    # no sign-in in progress: back to the sign-in page
    ("oauth.cancel", "POST"): anonymous_only(LOGIN),
    ("oauth.complete", "GET"): anonymous_only(LOGIN),
    ("oauth.complete", "POST"): anonymous_only(LOGIN),
    ("profile.confirm_email", "GET"): everyone(),
    ("orgs.first_login", "GET"): everyone(),  # bad token: 400
    ("orgs.first_login", "POST"): everyone(),
    ("orgs.set_password", "GET"): signed_in(),  # nothing to reset: sent home
    ("orgs.set_password", "POST"): signed_in(),
    # the lifecycle pages: every world actor is active, so they are sent home
    ("account.legal", "GET"): signed_in(),
    ("account.legal", "POST"): signed_in(),
    ("onboarding.index", "GET"): signed_in(),
    ("onboarding.account_type", "POST"): signed_in(),
    ("onboarding.organization", "POST"): signed_in(),
    ("onboarding.skip", "POST"): signed_in(),
    ("onboarding.workspace", "POST"): signed_in(),
    ("onboarding.welcome", "GET"): signed_in(),
    ("onboarding.welcome_workspace", "POST"): signed_in(),
    # the account: one's own things only
    ("account.convert", "GET"): signed_in(),
    ("account.convert", "POST"): signed_in(),  # already organization accounts: redirected
    ("account.delete", "GET"): signed_in(),
    ("account.delete", "POST"): signed_in(),
    ("identity.change_password", "GET"): signed_in(),
    ("identity.change_password", "POST"): signed_in(),
    ("identity.sessions", "GET"): signed_in(),
    ("identity.revoke_session", "POST"): signed_in(HIDDEN),  # not one of their sessions
    ("identity.revoke_other_sessions", "POST"): signed_in(),
    ("profile.edit", "GET"): signed_in(),
    ("profile.edit", "POST"): signed_in(),
    # the workspace viewer's picture: for people sharing an organization or workspace
    ("profile.avatar", "GET"): row(ALLOW, outsider=HIDDEN),
    ("profile.upload_avatar", "POST"): signed_in(),
    ("profile.remove_avatar", "POST"): signed_in(),
    ("profile.change_email", "POST"): signed_in(),
    ("profile.cancel_email_change", "POST"): signed_in(),
    ("oauth.identities", "GET"): signed_in(),
    ("oauth.unlink", "POST"): signed_in(HIDDEN),  # not one of their identities
    ("security.overview", "GET"): signed_in(),
    ("security.disable", "POST"): signed_in(),
    ("security.email_codes", "GET"): signed_in(),
    ("security.email_codes", "POST"): signed_in(),
    ("security.email_send", "POST"): signed_in(),
    ("security.recovery_codes", "POST"): signed_in(),
    ("security.totp", "GET"): signed_in(),
    ("security.totp", "POST"): signed_in(),
    ("security.totp_restart", "POST"): signed_in(),
    # the organization: keys come from the OWNER role, the ADMIN role's own set (members,
    # departments, workspaces, audit and security views: ORG_ADMIN_PERMISSIONS) or
    # departments; other members see the overview only
    ("orgs.index", "GET"): signed_in(),  # to the user's own organization
    ("orgs.deleted", "GET"): signed_in(),
    ("orgs.overview", "GET"): organization(),
    ("orgs.general", "GET"): organization(OWNER),
    ("orgs.general", "POST"): organization(OWNER),
    ("orgs.logo", "GET"): organization(),
    ("orgs.delete", "POST"): organization(OWNER),
    # restoring applies to a deleted organization; Acme is not (409 for its owner), and
    # the restore route hides organizations from everyone but their owners
    ("orgs.restore", "POST"): row(HIDDEN, org_owner=ALLOW),
    ("orgs.audit", "GET"): organization(ORG_ADMINS),
    ("orgs.security", "GET"): organization(ORG_ADMINS),
    ("orgs.members", "GET"): organization(MEMBER_MANAGERS),
    ("orgs.add_member", "POST"): organization(MEMBER_MANAGERS),
    ("orgs.bulk", "POST"): organization(MEMBER_MANAGERS),
    ("orgs.import_members", "GET"): organization(MEMBER_MANAGERS),
    ("orgs.import_members", "POST"): organization(MEMBER_MANAGERS),
    ("orgs.change_role", "POST"): organization(MEMBER_MANAGERS),
    ("orgs.remove_member", "POST"): organization(MEMBER_MANAGERS),
    ("orgs.resend_welcome", "POST"): organization(MEMBER_MANAGERS),
    # direct grants: owners only (a role rule, not a key)
    ("orgs.member_permissions", "GET"): organization(OWNER),
    ("orgs.member_permissions", "POST"): organization(OWNER),
    ("orgs.departments", "GET"): organization(ORG_ADMINS),
    ("orgs.departments", "POST"): organization(ORG_ADMINS),
    ("orgs.department", "GET"): organization(ORG_ADMINS),
    ("orgs.department", "POST"): organization(ORG_ADMINS),
    ("orgs.department_delete", "POST"): organization(ORG_ADMINS),
    ("orgs.department_add_member", "POST"): organization(ORG_ADMINS),
    ("orgs.department_remove_member", "POST"): organization(ORG_ADMINS),
    ("orgs.department_permissions", "POST"): organization(ORG_ADMINS),
    # workspaces
    ("workspaces.index", "GET"): signed_in(),
    ("workspaces.switcher", "GET"): signed_in(),
    # creating an organization workspace needs org.workspace.create: the org owners (Acme's,
    # and the outsider in Other) and Acme's admin; the others are told why (403)
    ("workspaces.create", "GET"): row(FORBIDDEN, org_owner=ALLOW, org_admin=ALLOW,
                                      outsider=ALLOW),
    ("workspaces.create", "POST"): row(FORBIDDEN, org_owner=ALLOW, org_admin=ALLOW,
                                       outsider=ALLOW),
    ("workspaces.join", "GET"): signed_in(HIDDEN),  # no workspace has that code
    ("workspaces.join", "POST"): signed_in(HIDDEN),
    ("workspaces.home", "GET"): workspace(VIEW),
    ("workspaces.activity", "GET"): workspace(VIEW),
    ("workspaces.image", "GET"): workspace(VIEW),
    ("workspaces.switch", "POST"): workspace(VIEW),
    ("workspaces.leave", "GET"): workspace(MEMBER),
    ("workspaces.leave", "POST"): workspace(MEMBER),
    ("workspaces.settings", "GET"): workspace(ADMIN),
    ("workspaces.settings", "POST"): workspace(ADMIN),
    ("workspaces.upload_image", "POST"): workspace(ADMIN),
    ("workspaces.reset_code", "POST"): workspace(ADMIN),
    ("workspaces.delete", "GET"): workspace(DELETE),
    ("workspaces.delete", "POST"): workspace(DELETE),
    ("workspace_members.index", "GET"): workspace(VIEW),
    ("workspace_members.add", "POST"): workspace(ADMIN),
    ("workspace_members.remove", "POST"): workspace(ADMIN),
    ("workspace_members.change_role", "POST"): workspace(ADMIN),
    ("workspace_members.create_role", "POST"): workspace(ADMIN),
    ("workspace_members.delete_role", "POST"): workspace(ADMIN),
    # spaces (the private one)
    ("spaces.index", "GET"): workspace(VIEW),
    ("spaces.create", "POST"): workspace(EDIT),
    ("spaces.show", "GET"): private_space(VIEW),
    ("spaces.settings", "POST"): private_space(ADMIN),
    ("spaces.archive", "POST"): private_space(ADMIN),
    ("spaces.delete", "POST"): private_space(ADMIN),  # 409 for Masters: it holds a project
    ("spaces.add_member", "POST"): private_space(ADMIN),
    ("spaces.change_role", "POST"): private_space(ADMIN),
    ("spaces.remove_member", "POST"): private_space(ADMIN),
    # projects (RKT)
    ("projects.index", "GET"): workspace(VIEW),
    ("projects.create", "POST"): workspace(EDIT),
    ("projects.activity", "GET"): project(VIEW),
    ("projects.members", "GET"): project(VIEW),
    ("projects.add_member", "POST"): project(ADMIN),
    ("projects.change_role", "POST"): project(ADMIN),
    ("projects.remove_member", "POST"): project(ADMIN),
    ("project_access.roles", "GET"): project(VIEW),
    ("project_access.create_role", "POST"): project(ADMIN),
    ("project_access.update_matrix", "POST"): project(ADMIN),
    ("project_access.delete_role", "POST"): project(ADMIN),
    ("project_access.create_team", "POST"): project(ADMIN),
    ("project_access.delete_team", "POST"): project(ADMIN),
    ("project_access.add_team_member", "POST"): project(ADMIN),
    ("project_access.remove_team_member", "POST"): project(ADMIN),
    ("project_access.team_permissions", "POST"): project(ADMIN),
    ("project_access.grant", "POST"): project(ADMIN),
    ("project_access.revoke", "POST"): project(ADMIN),
}

# The RQ dashboard: every view is guarded by its blueprint (platform admins only).
PLATFORM_BLUEPRINTS = ("rq_dashboard.",)


def expected_for(endpoint: str, method: str, rule: str = "") -> Row | None:
    found = EXPECTED.get((endpoint, method))
    if found is None and endpoint.startswith(PLATFORM_BLUEPRINTS):
        return canonical_alias() if rule in CANONICAL_ALIASES else platform_only()
    return found


# rq-dashboard's rules that only redirect to "/admin/jobs/" (instance 0 is the default)
CANONICAL_ALIASES = frozenset({
    "/admin/jobs/<int:instance_number>/",
    "/admin/jobs/<int:instance_number>/view",
    "/admin/jobs/<int:instance_number>/view/queues",
})


# Minimal bodies for POSTs that validate the form before looking the sub-resource up, so
# the requests reach the lookup (and, for another tenant's id, its 404).
FORMS: dict[str, dict[str, str]] = {
    "orgs.change_role": {"role": "MEMBER"},
    "spaces.change_role": {"role": "VIEWER"},
}

for _area in AREAS:
    for _key, _row in getattr(_area, "ROWS", {}).items():
        assert _key not in EXPECTED, f"{_key} has two rows"
        EXPECTED[_key] = _row
    FORMS.update(getattr(_area, "FORMS", {}))


# -- running it ----------------------------------------------------------------------------
def _routes(app: Any) -> Iterator[tuple[Any, str]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def _path(rule: Any, ids: dict[str, str]) -> str:
    values = {name: ids.get(name, MISSING) for name in rule.arguments}
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)
    return path


def _redis_url(worker_id: str) -> str:
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    match = re.search(r"(\d+)$", worker_id)
    return f"{base}/{1 + (int(match.group(1)) if match else 0)}"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Any]:
    redis_url = _redis_url(worker_id)
    conn = Redis.from_url(redis_url)
    conn.flushdb()
    conn.close()
    settings = Settings(
        KEEL_ENV="test", KEEL_TESTING=True,
        KEEL_INSTANCE=tmp_path_factory.mktemp("matrix") / "instance",
        SECRET_KEY="test-secret-key-not-for-production", REDIS_URL=redis_url,
        BASE_URL="http://localhost", RQ_ASYNC=False,
    )
    app = create_app(settings)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crashing route is a 500 in the matrix
    store = app.extensions["keel.runtime"].store
    world = build_world(store, services=True)
    add_images(store, app.extensions["keel.runtime"].files, world)
    add_extras(store, world)
    for area in AREAS:
        if hasattr(area, "extras"):
            area.extras(store, world)
    clients = {
        actor: make_client(app, actor, None if actor == "anonymous" else world.user(actor), n)
        for n, actor in enumerate(ACTORS)
    }
    yield app, store, world, clients
    app.extensions["keel.runtime"].close()


def run_matrix(app: Any, store: Any, world: World,
               clients: dict[str, ActorClient]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every (endpoint, method) -> {actor: (outcome, status, path)}."""
    ids = ids_for(world)
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for rule, method in _routes(app):
        path = _path(rule, {**ids, **ids_of_blueprint(world, rule.endpoint)})
        outcomes: dict[str, Any] = {}
        for actor in ACTORS:
            with rolled_back(store):
                response = clients[actor].request(app, method, path,
                                                  FORMS.get(rule.endpoint))
            where = response.headers.get("Location", "")
            outcomes[actor] = (classify(response), response.status_code, path,
                               f"->{where}" if where else "")
        seen[(rule.endpoint, method)] = outcomes
    return seen


def _matches(expected: frozenset[str] | str, outcome: str) -> bool:
    return outcome in expected if isinstance(expected, frozenset) else outcome == expected


def _show(expected: frozenset[str] | str) -> str:
    return "allowed" if expected == ALLOW else str(expected)


def test_every_route_has_a_row(matrix: Any) -> None:
    app = matrix[0]
    missing = sorted(
        f"{method} {rule.rule} -> {rule.endpoint}"
        for rule, method in _routes(app)
        if expected_for(rule.endpoint, method, rule.rule) is None
    )
    assert not missing, "routes without a row in EXPECTED:\n" + "\n".join(missing)


def test_no_row_for_a_route_that_is_gone(matrix: Any) -> None:
    app = matrix[0]
    present = {(rule.endpoint, method) for rule, method in _routes(app)}
    stale = sorted(f"{m} {e}" for e, m in EXPECTED if (e, m) not in present)
    assert not stale, "rows in EXPECTED for routes that no longer exist:\n" + "\n".join(stale)


def _dump(seen: dict[tuple[str, str], dict[str, Any]], target: str) -> None:
    """``KEEL_MATRIX_DUMP=file``: write what every actor got, one line per route."""
    with open(target, "w", encoding="utf-8") as out:
        for (endpoint, method), outcomes in seen.items():
            cells = " ".join(f"{actor}={outcomes[actor][1]}{outcomes[actor][3]}"
                             for actor in ACTORS)
            out.write(f"{method:4} {endpoint:45} {outcomes['anonymous'][2]}\n    {cells}\n")


def test_route_actor_matrix(matrix: Any) -> None:
    app, store, world, clients = matrix
    problems = []
    seen = run_matrix(app, store, world, clients)
    rules = {(rule.endpoint, method): rule.rule for rule, method in _routes(app)}
    if os.environ.get("KEEL_MATRIX_DUMP"):
        _dump(seen, os.environ["KEEL_MATRIX_DUMP"])
    for (endpoint, method), outcomes in seen.items():
        expected = expected_for(endpoint, method, rules[(endpoint, method)])
        if expected is None:
            continue  # reported by test_every_route_has_a_row
        for actor in ACTORS:
            outcome, status, path, _ = outcomes[actor]
            if not _matches(expected[actor], outcome):
                problems.append(f"{method} {path} [{endpoint}] as {actor}: "
                                f"expected {_show(expected[actor])}, got {outcome} ({status})")
    assert not problems, f"{len(problems)} unexpected outcomes:\n" + "\n".join(problems)


def test_the_csrf_token_is_accepted(matrix: Any) -> None:
    """A refused POST must be refused by authorization, not by a stale token (400)."""
    app, store, world, clients = matrix
    path = f"/w/{world.workspace['$id']}/settings"
    with rolled_back(store):
        response = clients["ws_viewer"].request(app, "POST", path)
    assert response.status_code == 403
    with rolled_back(store):
        response = clients["ws_admin"].request(app, "POST", path)
    assert response.status_code in (200, 302, 303, 422)


def test_requests_are_rolled_back(matrix: Any) -> None:
    app, store, world, clients = matrix
    before = store.count("workspace_members", [])
    member = world.members["ws_viewer"]["$id"]
    with rolled_back(store):
        clients["ws_admin"].request(
            app, "POST", f"/w/{world.workspace['$id']}/members/{member}/remove")
    assert store.count("workspace_members", []) == before
    assert store.get("workspace_members", member)["status"] == "ACTIVE"


# -- another tenant's sub-resources through one's own tenant ---------------------------------
TENANT_IDS = ("org_id", "workspace_id")
SUB_IDS = ("member_id", "role_id", "department_id", "team_id", "grant_id", "user_id")
def test_another_tenants_sub_resources_are_404(matrix: Any) -> None:
    """The outsider owns organization Other, workspace Elsewhere and, in it, space OUT and
    project OUT; addressing Acme's members, departments, roles, teams, grants and users
    through them (the outsider passes every guard there) must be 404."""
    app, store, world, clients = matrix
    ids = ids_for(world)
    own = {"org_id": world.other_org["$id"], "workspace_id": world.other_workspace["$id"],
           "space_id": world.other_space["$id"], "project_id": world.other_project["$id"]}
    problems = []
    for rule, method in _routes(app):
        arguments = set(rule.arguments)
        if not arguments & set(TENANT_IDS) or not arguments & set(SUB_IDS):
            continue
        path = _path(rule, {**ids, **ids_of_blueprint(world, rule.endpoint), **own})
        with rolled_back(store):
            response = clients["outsider"].request(app, method, path,
                                                   FORMS.get(rule.endpoint))
        outcome = classify(response)
        if outcome == HIDDEN:
            continue
        problems.append(f"{method} {path} [{rule.endpoint}]: {outcome} "
                        f"({response.status_code})")
    assert not problems, "another tenant's resources answered:\n" + "\n".join(problems)
