"""`make run`'s stack (scripts/stack.py) starts every process, serves, and stops them all.

Runs the real script with its private Redis (``REDIS_URL`` unset), a fresh instance folder
and a free port; Ctrl-C is a SIGINT to the script, as a terminal sends it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "scripts" / "stack.py"
# settings a developer's shell may carry that would point the stack elsewhere
CLEARED = ("REDIS_URL", "DATABASE_URL", "MAIL_URL", "BASE_URL", "SECRET_KEY", "FILES_PATH",
           "KEEL_ENV", "KEEL_TESTING", "RQ_ASYNC")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads the process table from /proc")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of ``pid`` from /proc, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _descendants(root: int) -> dict[int, str]:
    """Every live process below ``root``: pid → command line."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[1], []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[pid] = cmd.strip()
        todo.extend(children.get(pid, []))
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has exited


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urlopen(url, timeout=3) as response:
            return response.status, response.read()
    except HTTPError as exc:
        return exc.code, exc.read()


class Run:
    def __init__(self, port: int, instance: Path, log: Path, **extra: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        env.update(KEEL_INSTANCE=str(instance), PORT=str(port), WEB_WORKERS="1",
                   WEB_THREADS="8", NO_COLOR="1", PYTHONUNBUFFERED="1")
        env.update(extra)
        self.url = f"http://127.0.0.1:{port}"
        self.instance = instance
        self.log_path = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(STACK)], cwd=ROOT, env=env, stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the stack did not exit within {timeout:g} s:\n{self.log()[-3000:]}")

    def close(self, pids: list[int]) -> None:
        """Whatever a failed test left behind: the script, then any process it started."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        self._out.close()


@pytest.fixture
def instance() -> Iterator[Path]:
    # short on purpose: the private Redis listens on a unix socket inside it (107 bytes max)
    folder = Path(tempfile.mkdtemp(prefix="keel-stack-"))
    yield folder / "instance"
    shutil.rmtree(folder, ignore_errors=True)


def _healthy(run: Run, timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    body: dict[str, object] = {}
    while time.monotonic() < deadline:
        if run.proc.poll() is not None:
            pytest.fail(f"the stack exited with {run.proc.returncode}:\n{run.log()[-3000:]}")
        try:
            status, raw = _get(f"{run.url}/healthz")
        except (URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
            continue
        body = json.loads(raw)
        if status == 200 and body.get("status") == "ok":
            return body
        time.sleep(0.2)
    pytest.fail(f"/healthz never reported ok (last: {body}):\n{run.log()[-3000:]}")


def test_stack_serves_and_ctrl_c_stops_every_process(instance: Path, tmp_path: Path) -> None:
    run = Run(_free_port(), instance, tmp_path / "stack.log")
    pids: list[int] = []
    try:
        body = _healthy(run, timeout=30)
        database = body["database"]
        assert isinstance(database, dict) and database["ok"] is True
        assert database["schema_version"] >= 1
        assert body["redis"] == {"ok": True}
        assert body["worker"]["ok"] is True and body["worker"]["last_heartbeat"]  # type: ignore[index]

        status, page = _get(f"{run.url}/login")
        assert status == 200
        assert b"Sign in to Keel" in page

        # the private Redis lives in the instance, and every process is the script's
        sock = instance / "redis" / "redis.sock"
        assert f"Redis on unix://{sock}" in run.log()
        assert (instance / "secret_key").is_file() and (instance / "keel.db").is_file()
        tree = _descendants(run.proc.pid)
        pids = list(tree)
        commands = " | ".join(tree.values())
        for part in ("redis-server", "gunicorn wsgi:app", "-m jobs.worker", "-m jobs.scheduler"):
            assert part in commands, f"{part!r} is not running under the stack: {commands}"
        assert sum("gunicorn" in c for c in tree.values()) == 2  # the master and its worker
        assert "--no-control-socket" in commands or "gunicorn.ctl" not in commands

        # a second stack on the same instance refuses to take over the running Redis
        second = Run(_free_port(), instance, tmp_path / "second.log")
        try:
            assert second.wait(timeout=15) == 1
            assert "another Keel stack is running" in second.log()
        finally:
            second.close([])
        assert sock.exists()
        assert _get(f"{run.url}/healthz")[0] == 200

        run.proc.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal delivers
        assert run.wait(timeout=15) == 0, run.log()[-3000:]
        left = {pid: tree[pid] for pid in pids if _alive(pid)}
        assert not left, f"processes left running after Ctrl-C: {left}"
        assert not sock.exists()  # Redis shut down cleanly and removed its socket
        assert (instance / "redis" / "dump.rdb").is_file()  # and kept its data (jobs, limits)
        log = run.log()
        assert "stopped" in log.splitlines()[-1]
        assert "Traceback" not in log, log[-3000:]
    finally:
        run.close(pids)


def test_a_process_that_dies_stops_the_stack(instance: Path, tmp_path: Path) -> None:
    """The web server refuses its arguments: the stack stops everything and exits 1."""
    run = Run(_free_port(), instance, tmp_path / "stack.log", WEB_THREADS="many")
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 15
        while run.proc.poll() is None and time.monotonic() < deadline:
            pids.extend(p for p in _descendants(run.proc.pid) if p not in pids)
            time.sleep(0.05)
        assert run.wait(timeout=15) == 1, run.log()[-3000:]
        assert "web | exited with code" in run.log() and "stopping the stack" in run.log()
        left = [pid for pid in pids if _alive(pid)]
        assert not left, f"processes left running: {left}"
    finally:
        run.close(pids)


def test_too_long_instance_path_is_explained(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 60) / ("y" * 60) / "instance"
    run = Run(_free_port(), deep, tmp_path / "stack.log")
    try:
        assert run.wait(timeout=15) == 1
        assert "too long for a unix socket" in run.log()
        assert "KEEL_INSTANCE" in run.log()
    finally:
        run.close([])


def test_pushes_reach_a_socket_through_the_private_redis(instance: Path, tmp_path: Path) -> None:
    """Sign up, open /ws, open the e-mailed link: the socket receives the verified block."""
    from http.cookiejar import CookieJar
    from urllib.parse import urlencode
    from urllib.request import HTTPCookieProcessor, build_opener

    from redis import Redis
    from simple_websocket import Client

    from webapp.storage.mail import read_outbox

    run = Run(_free_port(), instance, tmp_path / "stack.log")
    pids: list[int] = []
    try:
        _healthy(run, timeout=30)
        pids = list(_descendants(run.proc.pid))
        jar = CookieJar()
        browser = build_opener(HTTPCookieProcessor(jar))
        page = browser.open(f"{run.url}/signup", timeout=5).read().decode()
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, page
        form = {"csrf_token": match.group(1), "name": "Stack Tester",
                "email": "stack@example.com", "password": "correct horse battery",
                "accept_terms": "y", "accept_dpa": "y"}
        with browser.open(f"{run.url}/signup", data=urlencode(form).encode(), timeout=5) as done:
            assert done.url.endswith("/verify-email"), done.url

        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        # no Origin: simple_websocket sends a Host without the port, which the same-origin
        # check would rightly refuse; a client without Origin is not another site's page
        ws = Client.connect(f"ws://127.0.0.1:{run.url.rsplit(':', 1)[1]}/ws",
                            headers={"Cookie": cookie})
        try:
            redis = Redis(unix_socket_path=str(instance / "redis" / "redis.sock"))
            deadline = time.monotonic() + 5
            while redis.execute_command("PUBSUB", "NUMPAT") < 1:  # the hub's PSUBSCRIBE
                assert time.monotonic() < deadline, (
                    "the web process never subscribed to the rooms:\n" + run.log()[-3000:])
                time.sleep(0.05)
            redis.close()

            outbox = instance / "outbox"
            deadline = time.monotonic() + 10
            while not (messages := read_outbox(outbox)):
                assert time.monotonic() < deadline, "the worker wrote no e-mail"
                time.sleep(0.1)
            body = messages[-1].get_body(preferencelist=("plain",))
            assert body is not None
            link = re.search(r"http://\S+/verify-email/\S+", str(body.get_content()))
            assert link and link.group(0).startswith(run.url)  # BASE_URL follows PORT
            browser.open(link.group(0), timeout=5).read()

            pushed = ws.receive(timeout=5)
            assert pushed and "identity-verify-status" in pushed and "Email verified" in pushed
        finally:
            ws.close()
        run.proc.send_signal(signal.SIGINT)
        assert run.wait(timeout=15) == 0
    finally:
        run.close(pids)
