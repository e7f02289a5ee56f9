"""Organizations, their members, departments and org-level grants; second factors and
linked sign-in identities (schema v2)."""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 2
ORG_ROLES = ("OWNER", "ADMIN", "MODERATOR", "MEMBER")

ORGANIZATIONS = Collection(
    id="organizations",
    name="Organizations",
    since=V,
    attributes=(
        A("name", T.STRING, 128, required=True, since=V),
        A("owner_id", T.STRING, 36, required=True, since=V),
        A("created_by", T.STRING, 36, since=V),
        A("logo_file_id", T.STRING, 36, since=V),
        A("domain", T.STRING, 255, since=V),
        A("size", T.STRING, 16, elements=("1-10", "11-50", "51-200", "201-500", "500+"), since=V),
        A("plan", T.STRING, 16, default="free",
          elements=("free", "starter", "pro", "enterprise"), since=V),
        A("billing_account_id", T.STRING, 36, since=V),
        A("settings", T.JSON, default={}, since=V),
        A("legal_version", T.STRING, 16, since=V),  # terms + DPA accepted for the org
        A("legal_accepted_at", T.DATETIME, since=V),
        A("legal_accepted_by", T.STRING, 36, since=V),
        A("member_count", T.INTEGER, default=0, since=V),
        A("billing_start_at", T.DATETIME, since=V),
        A("deleted_at", T.DATETIME, since=V),
        A("deleted_by", T.STRING, 36, since=V),
        A("billing_frozen_at", T.DATETIME, since=V),
    ),
    indexes=(
        Index("organizations_owner", I.KEY, ("owner_id",), since=V),
        Index("organizations_deleted", I.KEY, ("deleted_at",), since=V),
    ),
)

ORGANIZATION_MEMBERS = Collection(
    id="organization_members",
    name="Organization members",
    since=V,
    attributes=(
        A("organization_id", T.STRING, 36, required=True, since=V),
        A("user_id", T.STRING, 36, required=True, since=V),
        A("role", T.STRING, 16, required=True, elements=ORG_ROLES, since=V),
        A("status", T.STRING, 16, default="ACTIVE",
          elements=("ACTIVE", "INVITED", "SUSPENDED"), since=V),
        A("must_reset_password", T.BOOLEAN, default=False, since=V),
        A("name", T.STRING, 128, since=V),
        A("email", T.STRING, 254, since=V),
        A("invited_at", T.DATETIME, since=V),
        A("joined_at", T.DATETIME, since=V),
        A("invited_by", T.STRING, 36, since=V),
        # copies for the access loader (authz.mirrors): the member's departments and the
        # union of their departments' keys and direct grants; null = not copied yet
        A("department_ids", T.STRING, 36, array=True, since=3),
        A("org_keys", T.STRING, 64, array=True, since=3),
    ),
    indexes=(
        Index("org_members_unique", I.UNIQUE, ("organization_id", "user_id"), since=V),
        Index("org_members_user", I.KEY, ("user_id",), since=V),
        Index("org_members_search", I.FULLTEXT, ("name", "email"), since=V),
    ),
)

DEPARTMENTS = Collection(
    id="departments",
    name="Departments",
    since=V,
    attributes=(
        A("organization_id", T.STRING, 36, required=True, since=V),
        A("name", T.STRING, 128, required=True, since=V),
        A("description", T.STRING, 1000, since=V),
        A("color", T.STRING, 16, since=V),
        A("icon", T.STRING, 32, since=V),
        A("parent_department_id", T.STRING, 36, since=V),
        A("permissions", T.STRING, 64, array=True, default=[], since=V),
        A("member_count", T.INTEGER, default=0, since=V),
    ),
    indexes=(
        Index("departments_org_name", I.UNIQUE, ("organization_id", "name"), since=V),
        Index("departments_parent", I.KEY, ("parent_department_id",), since=V),
    ),
)

ORG_MEMBER_DEPARTMENTS = Collection(
    id="org_member_departments",
    name="Department memberships",
    since=V,
    attributes=(
        A("organization_id", T.STRING, 36, required=True, since=V),
        A("member_id", T.STRING, 36, required=True, since=V),  # organization_members $id
        A("user_id", T.STRING, 36, required=True, since=V),
        A("department_id", T.STRING, 36, required=True, since=V),
    ),
    indexes=(
        Index("omd_unique", I.UNIQUE, ("department_id", "member_id"), since=V),
        Index("omd_org_user", I.KEY, ("organization_id", "user_id"), since=V),
    ),
)

ORG_MEMBER_PERMISSIONS = Collection(
    id="org_member_permissions",
    name="Direct org permission grants",
    since=V,
    attributes=(
        A("organization_id", T.STRING, 36, required=True, since=V),
        A("member_id", T.STRING, 36, required=True, since=V),
        A("user_id", T.STRING, 36, required=True, since=V),
        A("permissions", T.STRING, 64, array=True, default=[], since=V),
        A("granted_by", T.STRING, 36, since=V),
    ),
    indexes=(
        Index("omp_unique", I.UNIQUE, ("organization_id", "member_id"), since=V),
        Index("omp_org_user", I.KEY, ("organization_id", "user_id"), since=V),
    ),
)

RECOVERY_CODES = Collection(
    id="recovery_codes",
    name="Two-factor recovery codes",
    since=V,
    attributes=(
        A("user_id", T.STRING, 36, required=True, since=V),
        A("code_hash", T.STRING, 128, required=True, since=V),
        A("used_at", T.DATETIME, since=V),
    ),
    indexes=(Index("recovery_codes_user", I.KEY, ("user_id",), since=V),),
)

EMAIL_OTP_CODES = Collection(
    id="email_otp_codes",
    name="E-mail one-time codes",
    since=V,
    attributes=(
        A("user_id", T.STRING, 36, required=True, since=V),
        A("code_hash", T.STRING, 128, required=True, since=V),
        A("expires_at", T.DATETIME, required=True, since=V),
        A("used_at", T.DATETIME, since=V),
        A("attempts", T.INTEGER, default=0, since=V),
    ),
    indexes=(Index("email_otp_user", I.KEY, ("user_id",), since=V),),
)

IDENTITIES = Collection(
    id="identities",
    name="Linked sign-in identities",
    since=V,
    attributes=(
        A("user_id", T.STRING, 36, required=True, since=V),
        A("provider", T.STRING, 16, required=True, elements=("google", "github"), since=V),
        A("subject", T.STRING, 255, required=True, since=V),  # the provider's user id
        A("email", T.STRING, 254, since=V),
        A("linked_at", T.DATETIME, since=V),
    ),
    indexes=(
        Index("identities_provider_subject", I.UNIQUE, ("provider", "subject"), since=V),
        Index("identities_user", I.KEY, ("user_id",), since=V),
    ),
)

COLLECTIONS = (
    ORGANIZATIONS, ORGANIZATION_MEMBERS, DEPARTMENTS, ORG_MEMBER_DEPARTMENTS,
    ORG_MEMBER_PERMISSIONS, RECOVERY_CODES, EMAIL_OTP_CODES, IDENTITIES,
)
