"""Table/search fixtures: a project whose items are made through the items service."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.features.projects import service as projects

from ..workspaces.conftest import alice, bob, bob_member, org, org_ws, owner, store  # noqa: F401
from ..workspaces.helpers import acting


@pytest.fixture
def project(store: Any, owner: Any, org_ws: Any) -> Any:  # noqa: F811
    return projects.create_project(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                   name="Website", key="web")
