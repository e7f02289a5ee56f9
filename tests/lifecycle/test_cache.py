"""The resolution cache: per request in ``g``, across requests in Redis with a short TTL,
checked against the user's ``$updatedAt`` and dropped by ``invalidate``."""

from __future__ import annotations

from typing import Any

from redis import Redis

from lifecycle.world import add_member, fresh, make_org, make_user, make_workspace, sign_in
from webapp.identity.lifecycle import (
    CACHE_PREFIX,
    CACHE_TTL,
    LifecycleState,
    invalidate,
    invalidate_many,
    resolve,
)

S = LifecycleState


def test_cached_until_invalidated(store: Any, redis_conn: Redis) -> None:
    user = make_user(store)
    org = make_org(store, user)
    add_member(store, org, user, "MEMBER")
    user = fresh(store, user)
    assert resolve(store, user, redis=redis_conn).state is S.ORG_MEMBER_NO_WORKSPACE
    assert 0 < redis_conn.ttl(f"{CACHE_PREFIX}{user['$id']}") <= CACHE_TTL
    make_workspace(store, user, org=org)  # a change elsewhere: the cache still answers
    assert resolve(store, user, redis=redis_conn).state is S.ORG_MEMBER_NO_WORKSPACE
    invalidate(user["$id"], redis=redis_conn)
    assert resolve(store, user, redis=redis_conn).state is S.ORG_MEMBER_ACTIVE


def test_a_change_to_the_user_itself_is_seen_at_once(store: Any, redis_conn: Redis) -> None:
    user = make_user(store)
    assert resolve(store, fresh(store, user), redis=redis_conn).state is S.ACCOUNT_TYPE_PENDING
    store.update("users", user["$id"], {"account_type": "PERSONAL"})
    assert resolve(store, fresh(store, user), redis=redis_conn).state is S.PERSONAL_ONBOARDING


def test_invalidate_many(store: Any, redis_conn: Redis) -> None:
    users = [make_user(store, f"u{n}@example.com") for n in range(3)]
    for user in users:
        resolve(store, fresh(store, user), redis=redis_conn)
    assert len(redis_conn.keys(f"{CACHE_PREFIX}*")) == 3
    invalidate_many([u["$id"] for u in users[:2]] + [None], redis=redis_conn)
    assert redis_conn.keys(f"{CACHE_PREFIX}*") == [f"{CACHE_PREFIX}{users[2]['$id']}".encode()]
    invalidate_many([], redis=redis_conn)  # nothing to do


def test_invalidate_finds_the_apps_redis(app: Any, store: Any, redis_conn: Redis) -> None:
    user = make_user(store)
    resolve(store, fresh(store, user), redis=redis_conn)
    invalidate(user["$id"])  # outside an app: nothing to reach, nothing fails
    assert redis_conn.exists(f"{CACHE_PREFIX}{user['$id']}")
    with app.app_context():
        invalidate(user["$id"])
    assert not redis_conn.exists(f"{CACHE_PREFIX}{user['$id']}")


def test_unreadable_or_unreachable_cache_falls_back_to_the_store(store: Any,
                                                                redis_conn: Redis) -> None:
    user = make_user(store)
    redis_conn.set(f"{CACHE_PREFIX}{user['$id']}", b"not json")
    assert resolve(store, fresh(store, user), redis=redis_conn).state is S.ACCOUNT_TYPE_PENDING
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    assert resolve(store, fresh(store, user), redis=dead).state is S.ACCOUNT_TYPE_PENDING
    invalidate(user["$id"], redis=dead)  # swallowed


def test_one_resolution_per_request(app: Any, client: Any, store: Any, redis_conn: Redis,
                                    monkeypatch: Any) -> None:
    from webapp.identity import lifecycle_routes

    make_user(store, account_type="PERSONAL")
    sign_in(client)
    calls: list[Any] = []
    real = lifecycle_routes.resolve

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(lifecycle_routes, "resolve", counting)
    assert client.get("/onboarding").status_code == 200  # guard + page + templates
    assert len(calls) == 1
