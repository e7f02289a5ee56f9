"""A store wrapper that counts calls: the real store answers, the test reads the cost."""

from __future__ import annotations

from collections import Counter
from typing import Any

# calls that reach no database by themselves: forwarded, not counted
NOT_QUERIES = frozenset({"reads_pinned", "after_commit"})


class CountingStore:
    """Forwards everything to the real store and counts the calls by method."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()
        self.log: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._store, name)
        if not callable(target) or name in NOT_QUERIES:
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            self.log.append((name, str(args[0]) if args else ""))
            return target(*args, **kwargs)

        return counted

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()
        self.log.clear()
