"""``flask --app wsgi seed-demo``: a demo organization with realistic work items.

    seed-demo [--items N] [--projects P] [--members M] [--seed S] [--email E] [--password P]

Every run creates a NEW demo organization ("Keel Demo", "Keel Demo 2", ...) with a
workspace, P projects and N work items in total (the first project, whose board is
printed, gets most of them). People, organization, workspace and projects go through the
ordinary services (roles, audit, the project's workflow); the items, links and checklists
are written in bulk straight through the store (``webapp.cli.seed_items``). The content is
deterministic for a given ``--seed``.

The owner account is ``--email`` (default ``demo.owner@example.com``): created when it does
not exist, else reused; either way its password becomes ``--password`` (default: generated),
so the printed credentials always work (a reused account keeps its second factor, if it has
one). The demo members (``<first>.<last>@demo.example.com``, reused the same way) share that
password. Nothing is deleted: drop a demo with the organization's own deletion. Output::

    login: <email>
    password: <password>
    board: /w/<workspace_id>/projects/<project_id>/board
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext

from webapp.audit import Acting
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

DEFAULT_EMAIL = "demo.owner@example.com"
ORG_NAME = "Keel Demo"
PEOPLE = (
    ("Ada Lovelace", "WS_EDITOR", "MEMBER"), ("Grace Hopper", "WS_EDITOR", "MEMBER"),
    ("Alan Turing", "WS_EDITOR", "MEMBER"), ("Barbara Liskov", "WS_ADMIN", "ADMIN"),
    ("Edsger Dijkstra", "WS_EDITOR", "MEMBER"), ("Margaret Hamilton", "WS_EDITOR", "MEMBER"),
    ("Donald Knuth", "WS_EDITOR", "MEMBER"), ("Radia Perlman", "WS_EDITOR", "MEMBER"),
    ("Ken Thompson", "WS_EDITOR", "MEMBER"), ("Frances Allen", "WS_EDITOR", "MEMBER"),
    ("Leslie Lamport", "WS_VIEWER", "VIEWER"), ("Katherine Johnson", "WS_EDITOR", "MEMBER"),
)
PROJECTS = (
    ("WEB", "Website", "The public website and the sign-up funnel."),
    ("API", "Platform API", "Public REST API, webhooks and SDKs."),
    ("MOB", "Mobile app", "iOS and Android clients."),
    ("OPS", "Operations", "Infrastructure, monitoring and on-call."),
    ("DATA", "Data", "Warehouse, pipelines and reporting."),
    ("DES", "Design system", "Shared components and tokens."),
)


@dataclass
class SeedResult:
    email: str
    password: str
    organization_id: str
    workspace_id: str
    project_ids: list[str] = field(default_factory=list)
    member_ids: list[str] = field(default_factory=list)
    items: int = 0
    seconds: float = 0.0

    @property
    def board_path(self) -> str:
        return f"/w/{self.workspace_id}/projects/{self.project_ids[0]}/board"


def _owner(store: DocumentStore, email: str, password: str) -> Document:
    """The owner's account (created or reused) with ``password`` and nothing pending."""
    from webapp.identity import service as identity
    from webapp.identity.security import hash_password, password_problem

    address = identity.normalize_email(email)
    problem = password_problem(password, address)
    if problem:
        raise click.ClickException(f"--password: {problem}")
    user = store.first("users", [Query.equal("email", address)])
    changes: dict[str, object] = {"must_reset_password": False, "status": "active",
                                  "deleted_at": None}
    if user is None:
        user = identity.signup(store, name="Demo Owner", email=address, password=password,
                               accept_terms=True, accept_dpa=True)
    else:
        changes["password_hash"] = hash_password(password)
    changes["email_verified_at"] = user.get("email_verified_at") or datetime.now(UTC)
    return store.update("users", user["$id"], changes)


def _org_name(store: DocumentStore) -> str:
    taken = {o["name"] for o in store.list("organizations", [
        Query.starts_with("name", ORG_NAME), Query.limit(5000),
    ])}
    if ORG_NAME not in taken:
        return ORG_NAME
    n = 2
    while f"{ORG_NAME} {n}" in taken:
        n += 1
    return f"{ORG_NAME} {n}"


def _members(store: DocumentStore, acting: Acting, org: Document, workspace: Document,
             count: int, password_hash: str) -> list[tuple[Document, str]]:
    """Active org + workspace members (accounts reused across demo runs): (user, project role)."""
    from webapp.features.orgs.accounts import add_member_account
    from webapp.features.orgs.service import invalidate_users
    from webapp.features.workspaces.service import add_member_from_org

    out = []
    now = datetime.now(UTC)
    for name, ws_role, project_role in PEOPLE[:count]:
        email = name.lower().replace(" ", ".") + "@demo.example.com"
        added = add_member_account(store, acting, org["$id"], name=name, email=email,
                                   role="ADMIN" if project_role == "ADMIN" else "MEMBER")
        with store.transaction():  # the first-login step, done for them
            member = store.update("organization_members", added.member["$id"], {
                "status": "ACTIVE", "joined_at": now, "must_reset_password": False})
            user = store.update("users", added.user["$id"], {
                "password_hash": password_hash, "must_reset_password": False,
                "email_verified_at": added.user.get("email_verified_at") or now})
        add_member_from_org(store, acting, workspace["$id"], member["$id"], ws_role)
        out.append((user, project_role))
    invalidate_users([u["$id"] for u, _ in out])
    return out


def _project(store: DocumentStore, acting: Acting, workspace: Document, owner: Document,
             index: int) -> Document:
    """A project through the ordinary service (roles, owner, workflow) with demo labels."""
    from webapp.features.projects.service import create_project
    from webapp.features.projects.settings import add_custom

    from .seed_items import LABELS

    key, name, description = PROJECTS[index]
    today = datetime.now(UTC).date()
    project = create_project(
        store, acting, workspace["$id"], creator_id=owner["$id"], name=name, key=key,
        description=description, board_type=("SCRUM", "KANBAN", "HYBRID")[index % 3],
        start_date=today - timedelta(days=240), deadline=today + timedelta(days=120 + index))
    for label, color in LABELS.items():
        add_custom(store, acting, project["$id"], "labels", {"name": label, "color": color})
    return store.get("projects", project["$id"])


def _project_members(store: DocumentStore, acting: Acting, project: Document,
                     people: list[tuple[Document, str]]) -> None:
    from webapp.authz.roles import ProjectRole
    from webapp.features.projects.service import add_project_member, seed_default_roles

    roles = seed_default_roles(store, project)
    for user, role in people:
        add_project_member(store, acting, project["$id"], user["$id"], roles[role]["$id"],
                           actor_role=ProjectRole.PROJECT_OWNER)


def seed_demo(store: DocumentStore, *, items: int = 2000, projects: int = 3, members: int = 8,
              seed: int = 1, email: str = DEFAULT_EMAIL, password: str | None = None,
              ) -> SeedResult:
    """Create a demo organization (see the module docstring); returns what was made."""
    from webapp.features.account.legal import record_org_acceptance
    from webapp.features.orgs.service import create_organization
    from webapp.features.workspaces.service import create_workspace
    from webapp.identity.security import hash_password

    from .seed_items import seed_items

    if not 1 <= projects <= len(PROJECTS):
        raise click.ClickException(f"--projects must be between 1 and {len(PROJECTS)}")
    if not 0 <= members <= len(PEOPLE):
        raise click.ClickException(f"--members must be between 0 and {len(PEOPLE)}")
    if items < 0:
        raise click.ClickException("--items must not be negative")
    started = time.perf_counter()
    password = password or "demo-" + secrets.token_hex(8)
    owner = _owner(store, email, password)
    acting = Acting.of(owner, "127.0.0.1")
    org = create_organization(store, acting, owner_id=owner["$id"], name=_org_name(store))
    with store.transaction():
        record_org_acceptance(store, acting, org, now=datetime.now(UTC))
    workspace = create_workspace(store, acting, owner_id=owner["$id"], name="Product",
                                 organization_id=org["$id"])
    people = _members(store, acting, org, workspace, members, hash_password(password))
    result = SeedResult(owner["email"], password, org["$id"], workspace["$id"],
                        member_ids=[u["$id"] for u, _ in people])
    rng = random.Random(seed)
    shares = [items // 20] * (projects - 1)
    shares.insert(0, items - sum(shares))
    assignable = [owner["$id"]] + [u["$id"] for u, role in people if role != "VIEWER"]
    for index, count in enumerate(shares):
        project = _project(store, acting, workspace, owner, index)
        _project_members(store, acting, project, people)
        result.project_ids.append(project["$id"])
        result.items += seed_items(store, acting, project, count, rng=rng,
                                   people=assignable)
    from webapp.features.orgs.service import invalidate_users

    invalidate_users([owner["$id"]])
    result.seconds = time.perf_counter() - started
    return result


@click.command("seed-demo")
@click.option("--items", "items", default=2000, show_default=True, type=int,
              help="Work items in total (the first project gets most).")
@click.option("--projects", default=3, show_default=True, type=int, help="Projects (1-6).")
@click.option("--members", default=8, show_default=True, type=int,
              help="Members besides the owner (0-12).")
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed (content).")
@click.option("--email", default=DEFAULT_EMAIL, show_default=True,
              help="Owner's e-mail address (an existing account is reused).")
@click.option("--password", default=None, help="Owner's password (default: generated).")
@with_appcontext
def seed_demo_command(items: int, projects: int, members: int, seed: int, email: str,
                      password: str | None) -> None:
    """Create a demo organization with N work items; print the owner's login and board."""
    from webapp.extensions import runtime
    from webapp.features.orgs.errors import OrgError
    from webapp.features.workspaces.errors import FieldErrors, Refused

    store = runtime().store
    try:
        result = seed_demo(store, items=items, projects=projects, members=members, seed=seed,
                           email=email, password=password)
    except FieldErrors as exc:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.errors.items())
                                   ) from None
    except (Refused, OrgError) as exc:
        raise click.ClickException(f"refused: {exc}") from None
    click.echo(f"# {result.items} work items in {len(result.project_ids)} projects, "
               f"{result.seconds:.1f} s", err=True)
    click.echo(f"login: {result.email}")
    click.echo(f"password: {result.password}")
    click.echo(f"board: {result.board_path}")
