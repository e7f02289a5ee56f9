"""Feature packages that ``create_app`` initialises, in order (each has ``init_app(app)``)."""

from __future__ import annotations

import importlib

from flask import Flask

FEATURES: list[str] = [
    # one line per feature package, e.g. "webapp.features.orgs",
    "webapp.features.orgs",
    "webapp.features.security",
    "webapp.features.oauth",
    "webapp.features.profile",
    "webapp.features.workspaces",
    "webapp.features.spaces",
    "webapp.features.projects",
    "webapp.features.fields",
    "webapp.features.items",
    "webapp.features.board",
    "webapp.features.onboarding",
    "webapp.features.account",
    "webapp.features.workflows",
    "webapp.features.table",
    "webapp.features.planning",
    "webapp.features.notifications",
    "webapp.features.billing",
    "webapp.features.integrations",
    "webapp.api",
]


def init_features(app: Flask) -> None:
    for path in FEATURES:
        importlib.import_module(path).init_app(app)
