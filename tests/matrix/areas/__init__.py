"""Matrix rows contributed per feature area.

Each module here may define:

* ``ROWS``: ``{(endpoint, method): Row}`` for the area's routes (built with ``matrix.rows``);
* ``FORMS``: ``{endpoint: {field: value}}`` minimal bodies (see ``FORMS`` in the matrix);
* ``extras(store, world)``: add the sub-resources its routes address to ``world.extras``;
* ``ids(world, endpoint)``: ids substituted into the area's rules (``{}`` when not its own);
* ``ORDER``: when its ``extras`` runs relative to the others (lower first, default 100).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

AREAS: list[ModuleType] = sorted(
    (importlib.import_module(f"{__name__}.{info.name}")
     for info in pkgutil.iter_modules(__path__)),
    key=lambda module: (getattr(module, "ORDER", 100), module.__name__),
)
