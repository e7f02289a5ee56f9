"""Board fixtures (see ``fixtures.py``) on top of the workspace fixtures."""

from ..workspaces.conftest import bob, bob_member, org, org_ws, owner, store  # noqa: F401
from .fixtures import member, project, viewer  # noqa: F401
