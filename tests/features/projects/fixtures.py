"""Project fixtures shared by the project, settings and field tests."""

from __future__ import annotations

import pytest

from webapp.features.projects import service
from webapp.features.workspaces import service as workspaces

from ..workspaces.helpers import acting


@pytest.fixture
def project(store, owner, org_ws):
    return service.create_project(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                  name="Website", key="web")


@pytest.fixture
def editor(store, owner, bob, bob_member, org_ws):
    workspaces.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                   "WS_EDITOR")
    return bob
