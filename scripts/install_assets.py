"""Copy the front-end files Keel serves from ``node_modules/`` into ``webapp/static/vendor/``.

    npm ci && python scripts/install_assets.py        # what `make install` does

There is no build step: the browser gets the packages' own distribution files, fingerprinted
by the ``asset()`` template helper. ``webapp/static/vendor/`` is ignored by git.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "webapp" / "static" / "vendor"

# destination (under static/vendor/) -> source (under node_modules/), first existing wins
ASSETS: dict[str, tuple[str, ...]] = {
    "htmx.min.js": ("htmx.org/dist/htmx.min.js",),
    "ext/ws.js": ("htmx-ext-ws/dist/ws.js", "htmx-ext-ws/ws.js"),
    "Sortable.min.js": ("sortablejs/Sortable.min.js",),
}


def _package_version(source: str) -> str:
    package = source.split("/", 1)[0]
    try:
        meta = json.loads((NODE_MODULES / package / "package.json").read_text())
    except (OSError, ValueError):
        return "?"
    return str(meta.get("version", "?"))


def install(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> list[str]:
    """Copy every asset; returns the problems found (empty when all went well)."""
    problems: list[str] = []
    if not node_modules.is_dir():
        return [
            f"{node_modules} does not exist: run `npm ci` (or `npm install`) in {ROOT} first."
        ]
    for dest, sources in ASSETS.items():
        found = next((node_modules / s for s in sources if (node_modules / s).is_file()), None)
        if found is None:
            problems.append(
                f"missing {' or '.join('node_modules/' + s for s in sources)} (needed for "
                f"static/vendor/{dest}): is the package in package.json and installed? "
                "Run `npm ci`."
            )
            continue
        target = vendor / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, target)
        rel = found.relative_to(node_modules)
        print(f"  vendor/{dest:<18} <- {rel} ({_package_version(str(rel))})")
    return problems


def main() -> int:
    print(f"Installing front-end assets into {VENDOR.relative_to(ROOT)}/")
    problems = install()
    if problems:
        print("\nCould not install the front-end assets:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
