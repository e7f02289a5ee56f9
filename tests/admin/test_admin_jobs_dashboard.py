"""The RQ dashboard at /admin/jobs: platform admins only, CSRF kept, CSP relaxed there only."""

from __future__ import annotations

import re
from typing import Any

from rq import Queue

from jobs import housekeeping

DASHBOARD = "/admin/jobs/"


def test_every_dashboard_view_is_guarded_as_platform_admin(app: Any) -> None:
    from webapp.authz.guards import guarded_blueprint

    endpoints = [r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/admin/jobs")]
    assert endpoints and all(e.startswith("rq_dashboard.") for e in endpoints)
    assert guarded_blueprint("rq_dashboard") == "platform_admin"


def test_visitors_are_sent_to_the_login_page(client: Any) -> None:
    for path in (DASHBOARD, "/admin/jobs/0/data/queues.json",
                 "/admin/jobs/static/js/jquery-3.5.1.min.js"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


def test_signed_in_users_who_are_not_admins_get_404(signed_in: Any) -> None:
    client = signed_in("dev@example.com")
    for path in (DASHBOARD, "/admin/jobs/0/view/workers", "/admin/jobs/0/data/queues.json"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "unsafe-eval" not in response.headers.get("Content-Security-Policy", "")
        assert "_csrf_token" not in response.headers.get("Set-Cookie", "")


def test_platform_admins_see_the_dashboard(signed_in: Any, redis_conn: Any) -> None:
    Queue("low", connection=redis_conn).enqueue(housekeeping.purge_tokens)
    client = signed_in("ops@example.com", admin=True)

    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert "RQ dashboard" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    queues = client.get("/admin/jobs/0/data/queues.json").get_json()["queues"]
    assert any(q["name"] == "low" and q["count"] == 1 for q in queues)


def test_the_relaxed_csp_covers_the_dashboard_only(signed_in: Any) -> None:
    client = signed_in("ops@example.com", admin=True)
    dashboard_csp = client.get(DASHBOARD).headers["Content-Security-Policy"]
    assert "'unsafe-inline'" in dashboard_csp and "'unsafe-eval'" in dashboard_csp
    assert "frame-ancestors 'none'" in dashboard_csp
    home_csp = client.get("/").headers["Content-Security-Policy"]
    assert "unsafe" not in home_csp


def _csrf_cookie(client: Any) -> str:
    cookie = client.get_cookie("_csrf_token", path="/admin/jobs")
    assert cookie is not None, "the dashboard page sets the token its scripts send"
    assert not cookie.http_only and cookie.same_site == "Strict"
    return str(cookie.value)


def test_dashboard_actions_need_the_csrf_token(signed_in: Any, redis_conn: Any) -> None:
    job = Queue("low", connection=redis_conn).enqueue(housekeeping.purge_tokens)
    client = signed_in("ops@example.com", admin=True)
    client.get(DASHBOARD)
    token = _csrf_cookie(client)
    delete = f"/admin/jobs/job/{job.id}/delete"

    assert client.post(delete).status_code == 400  # no token
    assert client.post(delete, headers={"X-CSRFToken": "forged"}).status_code == 400
    assert redis_conn.exists(f"rq:job:{job.id}")

    done = client.post(delete, headers={"X-CSRFToken": token})
    assert done.status_code == 200 and done.get_json() == {"status": "OK"}
    assert not redis_conn.exists(f"rq:job:{job.id}")


def test_dashboard_actions_from_another_origin_are_refused(
    signed_in: Any, redis_conn: Any
) -> None:
    job = Queue("low", connection=redis_conn).enqueue(housekeeping.purge_tokens)
    client = signed_in("ops@example.com", admin=True)
    client.get(DASHBOARD)
    token = _csrf_cookie(client)
    response = client.post(f"/admin/jobs/job/{job.id}/delete",
                           headers={"X-CSRFToken": token, "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert redis_conn.exists(f"rq:job:{job.id}")


def test_requeue_all_cannot_be_triggered_by_a_link(signed_in: Any) -> None:
    client = signed_in("ops@example.com", admin=True)
    assert client.get("/admin/jobs/requeue/default").status_code == 405
    client.get(DASHBOARD)
    response = client.post("/admin/jobs/requeue/default",
                           headers={"X-CSRFToken": _csrf_cookie(client)})
    assert response.status_code == 200 and response.get_json()["count"] == 0


def test_non_admins_cannot_use_the_actions_either(signed_in: Any, redis_conn: Any) -> None:
    job = Queue("low", connection=redis_conn).enqueue(housekeeping.purge_tokens)
    client = signed_in("dev@example.com")
    # the layout's hx-headers carry the token (a page an account without a type may open)
    home = client.get("/account/sessions").get_data(as_text=True)
    match = re.search(r'"X-CSRFToken": "([^"]+)"', home)
    assert match
    response = client.post(f"/admin/jobs/job/{job.id}/delete",
                           headers={"X-CSRFToken": match.group(1)})
    assert response.status_code == 404
    assert redis_conn.exists(f"rq:job:{job.id}")
