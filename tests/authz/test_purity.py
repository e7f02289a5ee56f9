"""The policy modules stay pure: standard library and each other only (no Flask, storage, I/O)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import webapp.authz

PURE = ["vocabulary.py", "roles.py", "context.py", "policy.py", "invariants.py"]
ALLOWED = {"__future__", "collections", "dataclasses", "enum", "typing",
           "webapp.authz.context", "webapp.authz.roles", "webapp.authz.vocabulary"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


@pytest.mark.parametrize("name", PURE)
def test_pure_module_imports(name):
    path = Path(webapp.authz.__file__).parent / name
    imported = _imports(path)
    outside = {m for m in imported if m not in ALLOWED and m.split(".")[0] not in ALLOWED}
    assert not outside, f"{name} imports {sorted(outside)}"
