"""Planning fixtures: a SCRUM project with the default workflow, a member and a viewer."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.features.projects import service as projects

from ..board.fixtures import member, viewer  # noqa: F401
from ..workspaces.conftest import bob, bob_member, org, org_ws, owner, store  # noqa: F401
from ..workspaces.helpers import acting


@pytest.fixture
def project(store: Any, owner: Any, org_ws: Any) -> dict[str, Any]:  # noqa: F811
    return projects.create_project(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                   name="Rocket", key="rkt", board_type="SCRUM")
