from ..projects.fixtures import editor  # noqa: F401
from ..workspaces.conftest import alice, bob, bob_member, org, org_ws, owner, store  # noqa: F401
