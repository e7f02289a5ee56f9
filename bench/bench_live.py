"""Live push figures (Redis at ``REDIS_URL``, default ``redis://127.0.0.1:6379/0``).

- ``push_latency_p99_ms``: an event published by one web process reaches a socket queue of
  another web process (two ``Hub`` instances, each with its own pub/sub listener, as two
  gunicorn workers run them); 300 pushes of a board card's size, 99th percentile.
- ``socket_memory_kb``: memory one idle socket costs the hub (its subscriber, queue and
  room entries), measured with tracemalloc over 2,000 subscribers.
- ``idle_sockets_per_worker``: sockets one worker can hold open. flask-sock under
  ``gunicorn -k gthread`` keeps one thread per open socket, so the ceiling is the worker's
  thread count (``WEB_THREADS``, default 100) whatever memory allows.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc

from bench import Figure
from webapp.realtime.hub import Hub, Subscriber, publish_with

CARD = "<li id='card-x' class='board-card'>" + "x" * 1500 + "</li>"


def _latency(redis_url: str) -> float:
    from redis import Redis

    sender, receiver = Hub(redis_url), Hub(redis_url)
    receiver.start()
    if not receiver.connected.wait(5):
        raise RuntimeError(f"no Redis at {redis_url}")
    sub = receiver.attach()
    receiver.join(sub, "project:bench")
    redis = Redis.from_url(redis_url)
    samples = []
    try:
        for _ in range(20):  # warm up the connection and the listener
            publish_with(redis, "project:bench", CARD)
            sub.next(timeout=1)
        for _ in range(300):
            start = time.perf_counter()
            publish_with(redis, "project:bench", CARD)
            if sub.next(timeout=1) is None:
                raise RuntimeError("a push was lost")
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        receiver.stop()
        sender.stop()
        redis.close()
    return statistics.quantiles(samples, n=100)[98]


def _socket_kb() -> float:
    hub = Hub("redis://127.0.0.1:1/0")  # never started: only the bookkeeping is measured
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    subs = []
    for n in range(2000):
        sub = Subscriber()
        hub.join(sub, f"user:u{n}")
        hub.join(sub, f"project:p{n % 50}")
        subs.append(sub)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    used = sum(s.size_diff for s in after.compare_to(before, "filename"))
    return used / len(subs) / 1024


def run() -> list[Figure]:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    figures = []
    try:
        figures.append(Figure("push_latency_p99_ms", _latency(redis_url), "ms", 50))
    except Exception as exc:
        print(f"# push latency skipped: {exc}", file=sys.stderr)
    figures.append(Figure("socket_memory_kb", _socket_kb(), "kb", 64))
    threads = int(os.environ.get("WEB_THREADS", "100"))
    figures.append(Figure("idle_sockets_per_worker", threads, "sockets", 1000,
                          higher_is_better=True))
    return figures
