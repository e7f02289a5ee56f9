"""The lifecycle routing table: which URL groups each lifecycle state may reach.

Keel's URL groups (a path belongs to the group of its longest matching prefix):

| group        | paths                                                              |
|--------------|--------------------------------------------------------------------|
| ALWAYS       | /static, /healthz, /ws, /logout, /legal, /admin (own guard),        |
|              | /integrations/github/hooks (signed GitHub deliveries)              |
| PUBLIC       | /login, /signup, /verify-email…, /password/…, /auth/…              |
| ONBOARDING   | /onboarding…                                                       |
| PROFILE      | /account… (profile, password, sessions, security, identities)      |
| ORGANIZATION | /organization…                                                     |
| BILLING      | /billing…                                                          |
| WORKSPACES   | /w/<workspace_id>/…, /workspaces…                                  |
| WELCOME      | /welcome…                                                          |
| HOME         | / (exactly)                                                        |
| OTHER        | anything else                                                      |

A path is reachable in a state when its group is allowed (or the state allows everything)
and not blocked. ALWAYS is reachable in every signed-in state.

Decisions where the reference table is silent or does not fit Keel's pages:
- EMAIL_UNVERIFIED also reaches PROFILE (/account…): the identity pages (sessions, change
  password) have always been open to unverified accounts, and so is deleting the account.
- ORG_MEMBER_ACTIVE also reaches HOME (the dashboard listing the member's workspaces).
- ORG_OWNER_NO_WORKSPACE still in onboarding (org created, the workspace step not yet
  taken or skipped) is sent to /onboarding, which it may reach (see ``lifecycle.resolve``).
- MUST_RESET_PASSWORD reaches only PUBLIC (/auth/… holds the first-login and forced reset
  pages) and is sent to the forced reset page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LifecycleState(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    EMAIL_UNVERIFIED = "EMAIL_UNVERIFIED"
    ACCOUNT_TYPE_PENDING = "ACCOUNT_TYPE_PENDING"
    PERSONAL_ONBOARDING = "PERSONAL_ONBOARDING"
    PERSONAL_ACTIVE = "PERSONAL_ACTIVE"
    ORG_OWNER_ONBOARDING = "ORG_OWNER_ONBOARDING"
    ORG_OWNER_NO_WORKSPACE = "ORG_OWNER_NO_WORKSPACE"
    ORG_OWNER_ACTIVE = "ORG_OWNER_ACTIVE"
    ORG_ADMIN_NO_WORKSPACE = "ORG_ADMIN_NO_WORKSPACE"
    ORG_ADMIN_ACTIVE = "ORG_ADMIN_ACTIVE"
    ORG_MEMBER_PENDING = "ORG_MEMBER_PENDING"
    ORG_MEMBER_NO_WORKSPACE = "ORG_MEMBER_NO_WORKSPACE"
    ORG_MEMBER_ACTIVE = "ORG_MEMBER_ACTIVE"
    SUSPENDED = "SUSPENDED"
    DELETED = "DELETED"
    MUST_RESET_PASSWORD = "MUST_RESET_PASSWORD"  # noqa: S105 (a state name)


class PathGroup(StrEnum):
    ALWAYS = "ALWAYS"
    PUBLIC = "PUBLIC"
    ONBOARDING = "ONBOARDING"
    PROFILE = "PROFILE"
    ORGANIZATION = "ORGANIZATION"
    BILLING = "BILLING"
    WORKSPACES = "WORKSPACES"
    WELCOME = "WELCOME"
    HOME = "HOME"
    OTHER = "OTHER"


G = PathGroup
S = LifecycleState

PREFIXES: tuple[tuple[str, PathGroup], ...] = (
    ("/static", G.ALWAYS),
    ("/healthz", G.ALWAYS),
    ("/ws", G.ALWAYS),
    ("/logout", G.ALWAYS),
    ("/legal", G.ALWAYS),
    ("/admin", G.ALWAYS),
    ("/integrations/github/hooks", G.ALWAYS),  # signed webhook deliveries (no session)
    ("/login", G.PUBLIC),
    ("/signup", G.PUBLIC),
    ("/verify-email", G.PUBLIC),
    ("/password", G.PUBLIC),
    ("/auth", G.PUBLIC),
    ("/onboarding", G.ONBOARDING),
    ("/account", G.PROFILE),
    ("/organization", G.ORGANIZATION),
    ("/billing", G.BILLING),
    ("/w", G.WORKSPACES),
    ("/workspaces", G.WORKSPACES),
    ("/welcome", G.WELCOME),
)

# Public pages a signed-in user has no business on: bounced to their landing page.
# (Token pages — /verify-email/<token>, /password/reset/<token>, /auth/… — stay reachable.)
SIGNED_OUT_PAGES = ("/login", "/signup", "/password/forgot")

# Where each group starts; the guard uses the first path that exists in the app.
LANDINGS: dict[PathGroup, tuple[str, ...]] = {
    G.PUBLIC: ("/login",),
    G.ONBOARDING: ("/onboarding",),
    G.PROFILE: ("/account/profile", "/account/sessions"),
    G.ORGANIZATION: ("/organization",),
    G.BILLING: ("/billing",),
    G.WORKSPACES: ("/",),
    G.WELCOME: ("/welcome",),
    G.HOME: ("/",),
}
VERIFY_EMAIL_PAGE = "/verify-email"
FORCED_RESET_PAGES = ("/auth/set-password", "/auth/first-login/password", "/auth/reset-password")


def group_of(path: str) -> PathGroup:
    """The URL group ``path`` belongs to."""
    if path == "/":
        return G.HOME
    for prefix, group in PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return group
    return G.OTHER


@dataclass(frozen=True)
class Route:
    """One row of the routing table: ``allowed``/``blocked`` hold groups; ``allow_all`` and
    ``block_all`` stand for the reference's "*"."""

    label: str
    redirect_to: PathGroup | None
    allowed: frozenset[PathGroup]
    blocked: frozenset[PathGroup]
    allow_all: bool = False
    block_all: bool = False

    def reaches(self, group: PathGroup) -> bool:
        if group is G.ALWAYS:
            return True
        if self.block_all or group in self.blocked:
            return False
        return self.allow_all or group in self.allowed


def _row(label: str, redirect: PathGroup | None, allowed: str | tuple[PathGroup, ...],
         blocked: str | tuple[PathGroup, ...]) -> Route:
    return Route(
        label=label,
        redirect_to=redirect,
        allowed=frozenset(() if allowed == "*" else allowed),
        blocked=frozenset(() if blocked == "*" else blocked),
        allow_all=allowed == "*",
        block_all=blocked == "*",
    )


_NO_WS = (G.ONBOARDING, G.WORKSPACES)
ROUTES: dict[LifecycleState, Route] = {
    S.UNAUTHENTICATED: _row("Not signed in", G.PUBLIC, (G.PUBLIC,), "*"),
    S.EMAIL_UNVERIFIED: _row("Email verification required", G.PUBLIC, (G.PUBLIC, G.PROFILE),
                             (G.ONBOARDING, G.WORKSPACES, G.ORGANIZATION, G.WELCOME, G.HOME,
                              G.BILLING, G.OTHER)),
    S.ACCOUNT_TYPE_PENDING: _row("Account setup required", G.ONBOARDING,
                                 (G.ONBOARDING, G.PROFILE),
                                 (G.WORKSPACES, G.ORGANIZATION, G.WELCOME)),
    S.PERSONAL_ONBOARDING: _row("Create your workspace", G.ONBOARDING,
                                (G.ONBOARDING, G.PROFILE), (G.ORGANIZATION,)),
    S.PERSONAL_ACTIVE: _row("Active", None, "*", (G.ONBOARDING, G.ORGANIZATION, G.WELCOME)),
    S.ORG_OWNER_ONBOARDING: _row("Create your organization", G.ONBOARDING,
                                 (G.ONBOARDING, G.PROFILE), (G.WORKSPACES,)),
    S.ORG_OWNER_NO_WORKSPACE: _row("Create your first workspace", None,
                                   (G.WELCOME, G.ORGANIZATION, G.PROFILE, G.BILLING), _NO_WS),
    S.ORG_OWNER_ACTIVE: _row("Active", None, "*", (G.ONBOARDING, G.WELCOME)),
    S.ORG_ADMIN_NO_WORKSPACE: _row("Waiting for workspace assignment", G.WELCOME,
                                   (G.WELCOME, G.ORGANIZATION, G.PROFILE), _NO_WS),
    S.ORG_ADMIN_ACTIVE: _row("Active", None, "*", (G.ONBOARDING, G.WELCOME)),
    S.ORG_MEMBER_PENDING: _row("Invitation pending", G.WELCOME,
                               (G.WELCOME, G.PROFILE, G.ORGANIZATION), _NO_WS),
    S.ORG_MEMBER_NO_WORKSPACE: _row("Waiting for workspace assignment", G.WELCOME,
                                    (G.WELCOME, G.PROFILE, G.ORGANIZATION), _NO_WS),
    S.ORG_MEMBER_ACTIVE: _row("Active", None,
                              (G.WORKSPACES, G.PROFILE, G.ORGANIZATION, G.HOME),
                              (G.ONBOARDING, G.WELCOME)),
    S.SUSPENDED: _row("Account suspended", None, (G.BILLING, G.PROFILE),
                      (G.WORKSPACES, G.ONBOARDING)),
    S.DELETED: _row("Account deleted", G.PUBLIC, (), "*"),
    S.MUST_RESET_PASSWORD: _row("Password reset required", G.PUBLIC, (G.PUBLIC,), "*"),
}

ACTIVE_STATES = frozenset({S.PERSONAL_ACTIVE, S.ORG_OWNER_ACTIVE, S.ORG_ADMIN_ACTIVE,
                           S.ORG_MEMBER_ACTIVE})
ONBOARDING_STATES = frozenset({S.ACCOUNT_TYPE_PENDING, S.PERSONAL_ONBOARDING,
                               S.ORG_OWNER_ONBOARDING})
RESTRICTED_ORG_STATES = frozenset({S.ORG_MEMBER_PENDING, S.ORG_MEMBER_NO_WORKSPACE,
                                   S.ORG_ADMIN_NO_WORKSPACE})


def is_active_state(state: LifecycleState) -> bool:
    return state in ACTIVE_STATES


def requires_onboarding(state: LifecycleState) -> bool:
    return state in ONBOARDING_STATES


def is_restricted_org_member(state: LifecycleState) -> bool:
    return state in RESTRICTED_ORG_STATES
