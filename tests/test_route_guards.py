"""Every route declares a guard: walk the URL map and fail on any view without one."""

from __future__ import annotations

from webapp.authz.guards import KNOWN_GUARDS, guard_of, guarded_blueprint


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


def test_every_guard_is_a_known_one(app) -> None:  # type: ignore[no-untyped-def]
    """A view's marker names one of the guards in ``webapp/authz/guards.py``."""
    unknown = []
    for rule in app.url_map.iter_rules():
        name = guard_of(app.view_functions[rule.endpoint])
        if name is not None and name not in KNOWN_GUARDS:
            unknown.append(f"{rule.rule} -> {rule.endpoint}: {name}")
    assert not unknown, "unknown guards:\n" + "\n".join(sorted(unknown))


def test_layered_guards_get_their_ids_from_the_url(app) -> None:  # type: ignore[no-untyped-def]
    """``workspace_required`` needs ``<workspace_id>`` in the rule (and so on); only
    ``org_required`` may go without (the user's primary organization)."""
    wrong = []
    for rule in app.url_map.iter_rules():
        name = guard_of(app.view_functions[rule.endpoint])
        if name in ("workspace_required", "space_required", "project_required"):
            needed = name.replace("_required", "_id")
            if needed not in rule.arguments:
                wrong.append(f"{rule.rule} -> {rule.endpoint}: {name} without <{needed}>")
    assert not wrong, "\n".join(sorted(wrong))


def test_url_map_is_not_empty(app) -> None:  # type: ignore[no-untyped-def]
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"web.home", "identity.login", "identity.signup"} <= endpoints
