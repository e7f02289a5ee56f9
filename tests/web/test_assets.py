"""Fingerprinted static URLs, year-long caching for them, and the vendor install script."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from webapp.web.assets import IMMUTABLE, asset

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "webapp" / "static"


def _sha12(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_asset_url_carries_the_content_hash(app: Any) -> None:
    with app.test_request_context():
        url = asset("css/app.css")
    assert url == f"/static/css/app.css?v={_sha12(STATIC / 'css' / 'app.css')}"


def test_missing_asset_gets_a_plain_url(app: Any) -> None:
    with app.test_request_context():
        assert asset("css/nope.css") == "/static/css/nope.css"
        assert asset("../config.py") == "/static/../config.py"  # never hashed outside static/


def test_fingerprinted_request_is_immutable(client: Any, app: Any) -> None:
    with app.test_request_context():
        url = asset("js/app.js")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    response.close()


@pytest.mark.parametrize("query", ["", "?v=000000000000"])
def test_unversioned_or_stale_request_is_revalidated(client: Any, query: str) -> None:
    response = client.get(f"/static/js/app.js{query}")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")
    response.close()


def test_hash_is_cached_outside_debug_and_fresh_in_debug(app: Any, tmp_path: Path) -> None:
    app.static_folder = str(tmp_path)
    target = tmp_path / "x.css"
    target.write_text("a{}")
    with app.test_request_context():
        first = asset("x.css")
        target.write_text("b{}")
        assert asset("x.css") == first  # computed once per process
        app.debug = True
        try:
            assert asset("x.css") != first
            assert asset("x.css").endswith(_sha12(target))
        finally:
            app.debug = False


def test_layout_loads_every_asset_fingerprinted(client: Any) -> None:
    html = client.get("/").get_data(as_text=True)
    for path in ("css/app.css", "js/theme.js", "js/app.js", "vendor/htmx.min.js"):
        assert re.search(rf'/static/{re.escape(path)}\?v=[0-9a-f]{{12}}"', html), path
    assert re.search(r'<script src="/static/js/app\.js\?v=[0-9a-f]{12}" defer>', html)


# -- scripts/install_assets.py -----------------------------------------------------------
def _installer() -> Any:
    spec = importlib.util.spec_from_file_location("install_assets",
                                                  ROOT / "scripts" / "install_assets.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_installer_copies_every_vendor_file(tmp_path: Path) -> None:
    installer = _installer()
    modules = tmp_path / "node_modules"
    for sources in installer.ASSETS.values():
        path = modules / sources[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"/* {sources[0]} */")
    vendor = tmp_path / "vendor"
    assert installer.install(modules, vendor) == []
    assert (vendor / "htmx.min.js").read_text() == "/* htmx.org/dist/htmx.min.js */"
    assert (vendor / "ext" / "ws.js").is_file()
    assert (vendor / "Sortable.min.js").is_file()


def test_installer_names_what_is_missing(tmp_path: Path) -> None:
    installer = _installer()
    modules = tmp_path / "node_modules"
    (modules / "htmx.org" / "dist").mkdir(parents=True)
    (modules / "htmx.org" / "dist" / "htmx.min.js").write_text("")
    problems = installer.install(modules, tmp_path / "vendor")
    assert len(problems) == 2
    assert any("sortablejs/Sortable.min.js" in p for p in problems)
    assert any("htmx-ext-ws" in p and "npm ci" in p for p in problems)


def test_installer_without_node_modules_says_run_npm(tmp_path: Path) -> None:
    problems = _installer().install(tmp_path / "node_modules", tmp_path / "vendor")
    assert problems and "npm ci" in problems[0]
