"""Keel benchmarks: `make bench` runs every ``bench/bench_*.py`` module and compares figures."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: float
    higher_is_better: bool = False

    @property
    def ok(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def line(self) -> str:
        value = f"{self.value:.2f}".rstrip("0").rstrip(".")
        target = f"{self.target:g}"
        return f"{self.name} {value} {self.unit} target {target} {'ok' if self.ok else 'MISS'}"


def p50_ms(fn: Callable[[], object], runs: int = 50, warmup: int = 5) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)
