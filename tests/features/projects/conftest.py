from ..workspaces.conftest import alice, bob, bob_member, org, org_ws, owner, store  # noqa: F401
from .fixtures import editor, project  # noqa: F401
