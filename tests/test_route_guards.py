"""Every route declares a guard: walk the URL map and fail on any view without one."""

from __future__ import annotations

from webapp.authz.guards import guard_of, guarded_blueprint


def test_every_route_declares_a_guard(app) -> None:  # type: ignore[no-untyped-def]
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        blueprint = rule.endpoint.rpartition(".")[0]
        if guard_of(view) is None and guarded_blueprint(blueprint) is None:
            missing.append(f"{rule.rule} -> {rule.endpoint}")
    assert not missing, "routes without a guard:\n" + "\n".join(sorted(missing))


def test_url_map_is_not_empty(app) -> None:  # type: ignore[no-untyped-def]
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"web.home", "identity.login", "identity.signup"} <= endpoints
