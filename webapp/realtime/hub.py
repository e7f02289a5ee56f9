"""The pub/sub hub: ``publish`` from any process, one listener per web process.

Publishing is one Redis ``PUBLISH`` on ``keel:room:<room>``; it works from the web app, a
worker or the CLI, and never raises for a Redis outage (it logs a warning and returns
False): a push is a courtesy, the state it shows must be re-fetchable by reloading.

Each web process has one ``Hub``. Its listener thread starts with the first socket (so
after gunicorn forks, never at import), ``PSUBSCRIBE``s to ``keel:room:*`` and copies each
message into the bounded queue of every socket in that room. A full queue (a socket that
is not reading) drops the message for that socket alone. When Redis goes away the
listener reconnects with capped exponential backoff; open sockets stay open and receive
again once it is back (messages published in between are lost).
"""

from __future__ import annotations

import logging
import os
import queue
import random
import socket
import threading
from secrets import token_hex
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from .rooms import valid_room

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "keel:room:"
PATTERN = CHANNEL_PREFIX + "*"
QUEUE_SIZE = 100  # pending pushes per socket before it starts dropping


def channel(room: str) -> str:
    return CHANNEL_PREFIX + room


def publish_with(redis: Redis, room: str, html: str) -> bool:
    """PUBLISH ``html`` to ``room``; False (logged) when Redis is unreachable."""
    if not valid_room(room):
        raise ValueError(f"bad room name {room!r}")
    try:
        redis.publish(channel(room), html)
    except RedisError as exc:
        log.warning("realtime: could not publish to %s: %s", room, exc)
        return False
    return True


class Subscriber:
    """One socket's inbox: the rooms it is in and a bounded queue of HTML to send."""

    def __init__(self, maxsize: int = QUEUE_SIZE) -> None:
        self.queue: queue.Queue[str] = queue.Queue(maxsize)
        self.rooms: set[str] = set()
        self.dropped = 0

    def deliver(self, html: str) -> bool:
        try:
            self.queue.put_nowait(html)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 100 == 0:
                log.warning("realtime: a slow socket dropped %d messages", self.dropped)
            return False
        return True

    def next(self, timeout: float | None) -> str | None:
        """The next message, waiting up to ``timeout`` seconds (0: don't wait)."""
        try:
            if not timeout:
                return self.queue.get_nowait()
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None


class Hub:
    """Rooms → subscribers of this process, fed by one Redis listener thread."""

    def __init__(
        self,
        redis_url: str,
        *,
        name: str | None = None,
        backoff: tuple[float, float] = (0.5, 30.0),
        poll: float = 1.0,
    ) -> None:
        self.redis_url = redis_url
        # the listener's Redis client name (CLIENT LIST): host, pid and a per-hub suffix
        self.name = name or f"keel-realtime-{socket.gethostname()}-{os.getpid()}-{token_hex(3)}"
        self.backoff = backoff
        self.poll = poll
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._rooms: dict[str, set[Subscriber]] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.connected = threading.Event()
        self.reconnects = 0

    # -- sockets -----------------------------------------------------------------------
    def attach(self) -> Subscriber:
        """A new subscriber (in no room yet); starts the listener if needed."""
        self.start()
        return Subscriber()

    def join(self, subscriber: Subscriber, room: str) -> None:
        if not valid_room(room):
            raise ValueError(f"bad room name {room!r}")
        with self._lock:
            self._rooms.setdefault(room, set()).add(subscriber)
            subscriber.rooms.add(room)

    def leave(self, subscriber: Subscriber, room: str) -> None:
        with self._lock:
            members = self._rooms.get(room)
            if members is not None:
                members.discard(subscriber)
                if not members:
                    del self._rooms[room]
            subscriber.rooms.discard(room)

    def detach(self, subscriber: Subscriber) -> None:
        for room in list(subscriber.rooms):
            self.leave(subscriber, room)

    def dispatch(self, room: str, html: str) -> int:
        """Queue ``html`` for every socket of this process in ``room``; returns how many."""
        with self._lock:
            members = list(self._rooms.get(room, ()))
        return sum(1 for member in members if member.deliver(html))

    def sockets(self) -> int:
        """How many sockets of this process are in at least one room."""
        with self._lock:
            return len({s for members in self._rooms.values() for s in members})

    def rooms(self) -> set[str]:
        """The rooms at least one socket of this process is in."""
        with self._lock:
            return set(self._rooms)

    # -- listener ----------------------------------------------------------------------
    def start(self) -> None:
        """Start the listener thread once per process (again after a fork)."""
        if self._pid != os.getpid():
            self._reset()  # a forked child inherits no running thread, nor the parent's sockets
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="keel-realtime", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
            except RedisError as exc:
                # a listener that had been connected starts its backoff over
                failures = 1 if self.connected.is_set() else failures + 1
                self.connected.clear()
                self.reconnects += 1
                delay = min(self.backoff[1], self.backoff[0] * 2 ** min(failures - 1, 16))
                delay *= random.uniform(0.5, 1.0)
                log.warning(
                    "realtime: Redis listener lost (%s); retrying in %.1fs", exc, delay
                )
                self._stop.wait(delay)
            except Exception:  # never let the listener die: log and start over
                self.connected.clear()
                log.exception("realtime: listener failed")
                self._stop.wait(self.backoff[0])
        self.connected.clear()

    def _listen(self) -> None:
        # TCP keepalive only applies to TCP connections; a unix socket refuses the option.
        tcp = {} if self.redis_url.startswith("unix://") else {"socket_keepalive": True}
        client: Any = Redis.from_url(
            self.redis_url,
            socket_connect_timeout=2,
            health_check_interval=15,
            client_name=self.name,
            **tcp,
        )
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.psubscribe(PATTERN)
            self.connected.set()
            log.info("realtime: listening on %s", PATTERN)
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=self.poll)
                if message is None or message.get("type") != "pmessage":
                    continue
                name = _text(message["channel"])
                if name.startswith(CHANNEL_PREFIX):
                    self.dispatch(name[len(CHANNEL_PREFIX):], _text(message["data"]))
        finally:
            try:
                pubsub.close()
                client.close()
            except RedisError:  # the connection is already gone
                pass


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
