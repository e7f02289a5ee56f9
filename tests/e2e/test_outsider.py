"""The OUTSIDER path in a real browser: a user of another organization gets 404 for Acme's
organization, workspace, space and project URLs and sees nothing of Acme anywhere."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ConsoleLog, LiveServer
from .helpers import PASSWORD, org_workspace, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _world(live_server: LiveServer) -> dict[str, Any]:
    from webapp.audit import Acting
    from webapp.features.spaces.service import create_space

    store = live_server.app.extensions["keel.runtime"].store
    ids: dict[str, Any] = {}
    for prefix, org_name, ws_name in (("acme", "Acme Secret", "Acme Launchpad"),
                                      ("out", "Elsewhere Ltd", "Elsewhere HQ")):
        owner = live_server.make_user(f"{prefix}-owner@example.com", PASSWORD,
                                      name=f"{prefix.title()} Owner")
        org, ws = org_workspace(store, owner, org=org_name, workspace=ws_name)
        space = create_space(store, Acting.of(owner), ws["$id"], creator_id=owner["$id"],
                             name=f"{ws_name} space", key=prefix.upper()[:3] + "S")
        project = store.create("projects", {"workspace_id": ws["$id"], "space_id": space["$id"],
                                            "name": f"{org_name} rocket", "key": "RKT",
                                            "created_by": owner["$id"]})
        ids[prefix] = {"org": org, "ws": ws, "space": space, "project": project}
    return ids


def test_outsider_gets_404_for_everything_of_acme(
        page: Any, console: ConsoleLog, live_server: LiveServer, snap: Any, axe: Any) -> None:
    ids = _world(live_server)
    acme = ids["acme"]
    sign_in(page, "out-owner@example.com")
    ws = acme["ws"]["$id"]
    urls = [
        f"/organization/{acme['org']['$id']}",
        f"/organization/{acme['org']['$id']}/members",
        f"/w/{ws}",
        f"/w/{ws}/members",
        f"/w/{ws}/spaces/{acme['space']['$id']}",
        f"/w/{ws}/projects/{acme['project']['$id']}/members",
    ]
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        body = page.content()
        assert "Acme" not in body, url
    snap(page, "outsider-acme-project-404")
    axe(page)

    # their own pages name nothing of Acme (switcher, workspace list, org page)
    for url in (f"/w/{ids['out']['ws']['$id']}", "/organization", "/workspaces"):
        page.goto(url)
        assert "Acme" not in page.content(), url
    assert "Elsewhere HQ" in page.content()
    snap(page, "outsider-own-workspaces")
    assert not console.csp_violations, console.csp_violations
