"""Accounts, server-side sessions and single-use tokens."""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

USERS = Collection(
    id="users",
    name="Users",
    attributes=(
        A("name", T.STRING, 128, required=True),
        A("email", T.STRING, 254, required=True),  # stored lower-cased
        A("password_hash", T.STRING, 255),
        A("email_verified_at", T.DATETIME),
        A("is_platform_admin", T.BOOLEAN, default=False),
        A("status", T.STRING, 16, default="active", elements=("active", "suspended", "deleted")),
        A("accepted_terms_version", T.STRING, 16),
        A("accepted_terms_at", T.DATETIME),
        A("accepted_dpa_version", T.STRING, 16),
        A("accepted_dpa_at", T.DATETIME),
        A("password_changed_at", T.DATETIME),
        A("last_login_at", T.DATETIME),
        A("time_zone", T.STRING, 64, default="UTC"),
        A("prefs", T.JSON, default={}),
        # v2: lifecycle, onboarding, legal history, two-factor, profile
        A("account_type", T.STRING, 16, elements=("PERSONAL", "ORG"), since=2),
        A("primary_organization_id", T.STRING, 36, since=2),
        A("default_workspace_id", T.STRING, 36, since=2),
        A("onboarding_step", T.STRING, 32, since=2),
        A("must_reset_password", T.BOOLEAN, default=False, since=2),
        A("legal_history", T.JSON, default=[], since=2),
        A("two_factor_enabled", T.BOOLEAN, default=False, since=2),
        A("two_factor_method", T.STRING, 8, elements=("TOTP", "EMAIL", "BOTH"), since=2),
        A("totp_secret", T.STRING, 255, since=2),  # encrypted at rest
        A("avatar_file_id", T.STRING, 36, since=2),
        A("phone", T.STRING, 32, since=2),
        A("linkedin_url", T.STRING, 255, since=2),
        A("portfolio_url", T.STRING, 255, since=2),
        A("working_domain", T.STRING, 128, since=2),
        A("job_role", T.STRING, 128, since=2),
        A("designation", T.STRING, 128, since=2),
        A("tools", T.STRING, 512, since=2),
        A("pending_email", T.STRING, 254, since=2),
        A("deleted_at", T.DATETIME, since=2),
    ),
    indexes=(
        Index("users_email", I.UNIQUE, ("email",)),
        Index("users_primary_org", I.KEY, ("primary_organization_id",), since=2),
    ),
)

SESSIONS = Collection(
    id="sessions",
    name="Sessions",
    attributes=(
        A("token_hash", T.STRING, 64, required=True),  # sha256 of the cookie value
        A("user_id", T.STRING, 36),
        A("data", T.JSON, default={}),
        A("ip_address", T.STRING, 64),
        A("user_agent", T.STRING, 255),
        A("last_seen_at", T.DATETIME),
        A("expires_at", T.DATETIME, required=True),
    ),
    indexes=(
        Index("sessions_token", I.UNIQUE, ("token_hash",)),
        Index("sessions_user", I.KEY, ("user_id",)),
        Index("sessions_expiry", I.KEY, ("expires_at",)),
    ),
)

TOKENS = Collection(
    id="tokens",
    name="Single-use tokens",
    attributes=(
        A("user_id", T.STRING, 36, required=True),
        A("token_hash", T.STRING, 64, required=True),
        A(
            "purpose",
            T.STRING,
            32,
            required=True,
            elements=(
                "email_verify", "password_reset", "first_login", "2fa_challenge", "email_change",
            ),
        ),
        A("expires_at", T.DATETIME, required=True),
        A("used_at", T.DATETIME),
        A("ip_address", T.STRING, 64),
    ),
    indexes=(
        Index("tokens_hash", I.UNIQUE, ("token_hash",)),
        Index("tokens_user_purpose", I.KEY, ("user_id", "purpose")),
    ),
)

COLLECTIONS = (USERS, SESSIONS, TOKENS)
