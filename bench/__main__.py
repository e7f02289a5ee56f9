"""Run every benchmark module (``bench/bench_*.py``, each with ``run() -> list[Figure]``).

    python -m bench [name-substring ...]

Prints one line per figure: ``<name> <value> <unit> target <target> <ok|MISS>``; exits 0
(figures are information, not a test), 2 if a benchmark crashed.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    crashed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        try:
            for figure in module.run():
                print(figure.line(), flush=True)
        except Exception:  # a crashed benchmark is reported, the others still run
            crashed += 1
            print(f"# {name} crashed:", file=sys.stderr)
            traceback.print_exc()
    return 2 if crashed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
