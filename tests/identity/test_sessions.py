"""Server-side sessions: cookie flags, hashed tokens, rotation, revocation, expiry, purge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from webapp.identity import service
from webapp.identity.security import hash_token
from webapp.identity.tokens import utcnow

from .conftest import csrf_from, login

COOKIE = "keel_session"


def _set_cookie(response: Any) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    assert len(headers) == 1, response.headers
    return headers[0]


def test_cookie_flags_and_hashed_token(client: Any, store: Any) -> None:
    response = client.get("/login")
    header = _set_cookie(response)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header
    raw = header.split(";", 1)[0].split("=", 1)[1]
    assert len(raw) >= 43  # 32 random bytes, URL-safe
    row = store.first("sessions")
    assert row["token_hash"] == hash_token(raw)
    assert raw not in str(row)
    assert "csrf_token" in row["data"]
    assert row["user_id"] is None
    # anonymous rows are short-lived
    assert row["expires_at"] - utcnow() <= timedelta(days=1)


def test_secure_cookie_when_configured(settings: Any) -> None:
    from webapp import create_app

    app = create_app(settings.model_copy(update={"secure_cookies": True}))
    try:
        header = _set_cookie(app.test_client().get("/login"))
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    finally:
        app.extensions["keel.runtime"].close()


def test_no_row_for_a_visitor_who_stores_nothing(client: Any, store: Any) -> None:
    response = client.get("/healthz")
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE)]
    assert store.count("sessions", []) == 0


def test_sign_in_rotates_the_token(client: Any, user: dict[str, Any], store: Any,
                                   settings: Any) -> None:
    before = _set_cookie(client.get("/login")).split(";", 1)[0]
    anonymous = store.first("sessions")
    response = login(client)
    after = _set_cookie(response).split(";", 1)[0]
    assert before != after
    assert store.find("sessions", anonymous["$id"]) is None
    row = store.first("sessions")
    assert row["user_id"] == user["$id"]
    assert row["data"]["user_id"] == user["$id"]
    assert "csrf_token" not in row["data"]
    assert row["expires_at"] - utcnow() > timedelta(days=settings.session_days - 1)
    assert row["ip_address"] == "127.0.0.1"


def test_planted_token_is_worthless_after_sign_in(app: Any, user: dict[str, Any],
                                                  store: Any) -> None:
    attacker = app.test_client()
    attacker.get("/login")
    planted = attacker.get_cookie(COOKIE).value
    victim = app.test_client()
    victim.set_cookie(COOKIE, planted)
    login(victim)
    assert store.first("sessions", [_eq("token_hash", hash_token(planted))]) is None
    assert attacker.get("/account/sessions").status_code == 302  # still anonymous


def test_sessions_page_lists_mine_and_marks_current(app: Any, user: dict[str, Any]) -> None:
    laptop = app.test_client()
    phone = app.test_client()
    login(laptop, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"})
    phone.get("/login", headers={"User-Agent": "Mozilla/5.0 (iPhone) Safari/605.1"})
    login(phone, headers={"User-Agent": "Mozilla/5.0 (iPhone) Safari/605.1"})
    page = laptop.get("/account/sessions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="session') >= 2
    assert "This session" in html
    assert "127.0.0.1" in html
    assert 'id="identity-sessions-list"' in html


def test_revoking_another_session_takes_effect(app: Any, user: dict[str, Any],
                                               store: Any) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    login(phone)
    assert phone.get("/account/sessions").status_code == 200
    assert len(service.list_sessions(store, user["$id"])) == 2
    phone_sid = _current_sid(store, phone)
    token = csrf_from(laptop.get("/account/sessions").get_data(as_text=True))
    response = laptop.post(f"/account/sessions/{phone_sid}/revoke",
                           data={"csrf_token": token})
    assert response.status_code == 302
    assert store.find("sessions", phone_sid) is None
    assert phone.get("/account/sessions").status_code == 302  # signed out on next request
    assert laptop.get("/account/sessions").status_code == 200


def _current_sid(store: Any, client: Any) -> str:
    raw = client.get_cookie(COOKIE).value
    return str(store.first("sessions", [_eq("token_hash", hash_token(raw))])["$id"])


def _eq(attribute: str, value: Any) -> Any:
    from webapp.storage.query import Query

    return Query.equal(attribute, value)


def test_revoke_all_others_keeps_mine(app: Any, user: dict[str, Any], store: Any) -> None:
    clients = [app.test_client() for _ in range(3)]
    for c in clients:
        login(c)
    me = clients[0]
    token = csrf_from(me.get("/account/sessions").get_data(as_text=True))
    response = me.post("/account/sessions/revoke-others", data={"csrf_token": token})
    assert response.status_code == 302
    assert [r["$id"] for r in service.list_sessions(store, user["$id"])] == [
        _current_sid(store, me)
    ]
    assert me.get("/account/sessions").status_code == 200
    assert all(c.get("/account/sessions").status_code == 302 for c in clients[1:])


def test_revoke_with_htmx_returns_the_list_block(app: Any, user: dict[str, Any]) -> None:
    me, other = app.test_client(), app.test_client()
    login(me)
    login(other)
    token = csrf_from(me.get("/account/sessions").get_data(as_text=True))
    response = me.post("/account/sessions/revoke-others",
                       headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="identity-sessions-list"')
    assert "<html" not in html


def test_cannot_revoke_someone_elses_session(app: Any, user: dict[str, Any],
                                             store: Any) -> None:
    from .conftest import make_user

    make_user(store, "bob@example.com")
    ada, bob = app.test_client(), app.test_client()
    login(ada)
    login(bob, "bob@example.com")
    bob_sid = _current_sid(store, bob)
    token = csrf_from(ada.get("/account/sessions").get_data(as_text=True))
    response = ada.post(f"/account/sessions/{bob_sid}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    assert store.find("sessions", bob_sid) is not None
    assert ada.post("/account/sessions/nope/revoke",
                    data={"csrf_token": token}).status_code == 404


def test_revoking_my_own_session_signs_me_out(client: Any, user: dict[str, Any],
                                              store: Any) -> None:
    login(client)
    sid = _current_sid(store, client)
    token = csrf_from(client.get("/account/sessions").get_data(as_text=True))
    response = client.post(f"/account/sessions/{sid}/revoke", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert store.find("sessions", sid) is None


def test_last_seen_is_written_at_most_once_a_minute(client: Any, user: dict[str, Any],
                                                    store: Any) -> None:
    login(client)
    sid = _current_sid(store, client)
    seen = store.get("sessions", sid)["last_seen_at"]
    client.get("/account/sessions")
    assert store.get("sessions", sid)["last_seen_at"] == seen
    store.update("sessions", sid, {"last_seen_at": seen - timedelta(minutes=2)})
    client.get("/account/sessions")
    assert store.get("sessions", sid)["last_seen_at"] > seen - timedelta(seconds=1)


def test_expired_session_is_anonymous(client: Any, user: dict[str, Any], store: Any) -> None:
    login(client)
    sid = _current_sid(store, client)
    store.update("sessions", sid, {"expires_at": utcnow() - timedelta(seconds=1)})
    assert client.get("/account/sessions").status_code == 302
    assert store.find("sessions", sid) is None


def test_purge_expired_sessions(store: Any, user: dict[str, Any]) -> None:
    now = utcnow()
    for i, delta in enumerate((-2, -1, 1)):
        store.create("sessions", {"token_hash": f"{i:064d}", "user_id": user["$id"],
                                  "expires_at": now + timedelta(days=delta)})
    assert service.purge_expired_sessions(store) == 2
    assert store.count("sessions", []) == 1


def test_static_files_do_not_touch_sessions(client: Any, store: Any) -> None:
    client.get("/login")
    before = store.first("sessions")
    client.get("/static/nothing-here.css")
    assert store.first("sessions")["$updatedAt"] == before["$updatedAt"]
