"""``intermodal serve --workers 2`` shares keep-alive connections out between its workers, and the worker
holding the fewest takes a new connection at once (services/cli/_balance.py)."""

from __future__ import annotations

import asyncio
import asyncio.selector_events
import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from intermodal.services.cli import _balance
from intermodal.services.cli._balance import (
    FOLDER_ENV,
    MAX_WAIT_S,
    WAIT_PER_CONNECTION_S,
    BalancedLoop,
    WorkerLoads,
)

linux = pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="reads Linux's /proc")


def _count(folder: Path, pid: int, n: int) -> None:
    (folder / str(pid)).write_bytes(n.to_bytes(8, "little", signed=True))


def test_a_worker_reads_the_fewest_connections_another_live_worker_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_balance, "LIST_EVERY_S", 0.0)  # workers started since are seen at once
    mine = WorkerLoads(tmp_path)
    mine.change(4)
    assert (tmp_path / str(os.getpid())).read_bytes() == (4).to_bytes(8, "little", signed=True)
    assert mine.fewest_elsewhere() is None  # alone
    _count(tmp_path, os.getppid(), 3)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _count(tmp_path, dead.pid, 0)  # a worker that ended: not counted
    assert mine.fewest_elsewhere() == 3
    # the folder removed under a running server: still an answer, never an error in the accept step
    for child in tmp_path.iterdir():
        child.unlink()
    tmp_path.rmdir()
    assert mine.fewest_elsewhere() == 3
    mine.change(1)


class _Accepts:
    """asyncio's own accept step, recorded: the backlog each call would take."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.backlogs: list[int] = []
        monkeypatch.setattr(
            asyncio.selector_events.BaseSelectorEventLoop,
            "_accept_connection",
            lambda loop, factory, sock, ssl=None, server=None, backlog=100, *rest: self.backlogs.append(
                backlog
            ),
        )


@pytest.mark.parametrize(
    ("held", "other", "waits"), [(0, 0, None), (3, 3, None), (2, 5, None), (5, 3, 4), (40, 0, 20)]
)
def test_a_worker_takes_a_connection_at_once_unless_it_holds_more_than_another(
    held: int, other: int, waits: int | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accepts = _Accepts(monkeypatch)
    monkeypatch.setenv(FOLDER_ENV, str(tmp_path))
    monkeypatch.setattr(_balance, "_loads", None)
    _count(tmp_path, os.getppid(), other)
    loop = BalancedLoop()
    later: list[tuple[float, Any]] = []
    monkeypatch.setattr(loop, "call_later", lambda delay, fn, *args: later.append((delay, fn, args)))
    monkeypatch.setattr(loop, "_remove_reader", lambda fd: True)
    monkeypatch.setattr(loop, "_start_serving", lambda *args: None)
    assert _balance._loads is not None
    _balance._loads.change(held)
    with socket.socket() as sock:
        loop._accept_connection(object, sock, None, None, 100, 60.0, 30.0)
        if waits is None:
            # at once, one at a time: a burst of new connections is never held back
            assert accepts.backlogs == [1] and later == []
        else:
            # held back for a moment, then every connection still waiting is taken at once
            assert accepts.backlogs == [] and len(later) == 1
            delay, resume, args = later[0]
            # 2 ms per connection more than the other holds, at most 20 ms
            assert delay == pytest.approx(waits / 1000)
            assert WAIT_PER_CONNECTION_S == 0.002 and MAX_WAIT_S == 0.02
            resume(*args)
            assert accepts.backlogs == [100]
    loop.close()
    monkeypatch.setattr(_balance, "_loads", None)


def test_without_the_folder_the_loop_accepts_as_asyncio_does(monkeypatch: pytest.MonkeyPatch) -> None:
    accepts = _Accepts(monkeypatch)
    monkeypatch.delenv(FOLDER_ENV, raising=False)
    monkeypatch.setattr(_balance, "_loads", None)
    loop = BalancedLoop()
    with socket.socket() as sock:
        loop._accept_connection(object, sock, None, None, 100, 60.0, 30.0)
    loop.close()
    assert accepts.backlogs == [100]


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _holders(port: int, clients: list[http.client.HTTPConnection], pids: list[int]) -> dict[int, int]:
    """How many of the clients' connections each process holds, from the kernel's socket table."""
    ours = {c.sock.getsockname()[1] for c in clients if c.sock is not None}
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) in ours:
            inodes.add(f"socket:[{inode}]")
    held = {}
    for pid in pids:
        links = []
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            fds = []  # the process ended
        for fd in fds:
            with contextlib.suppress(OSError):  # a file closed while read: not one of these connections
                links.append(os.readlink(fd))
        held[pid] = sum(link in inodes for link in links)
    return held


def _get_health(client: http.client.HTTPConnection) -> None:
    client.request("GET", "/api/health")
    with client.getresponse() as answer:
        answer.read()
        assert answer.status == 200


@linux
def test_two_workers_share_twelve_connections_opened_one_after_another(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "INTERMODAL_TOKENS_FILE": str(tmp_path / "t.json")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "intermodal", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    clients: list[http.client.HTTPConnection] = []
    try:
        deadline = time.monotonic() + 120
        probes: list[http.client.HTTPConnection] = []
        # ready once both workers answer: connections kept open until two processes hold them
        while len([n for n in _holders(port, probes, _children(proc.pid)).values() if n]) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "the workers did not start"
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                _get_health(probe)
                probes.append(probe)
            except OSError:
                pass
            time.sleep(0.1)  # a few hundred probes at most while the second worker starts
        for probe in probes:
            probe.close()
        time.sleep(0.5)  # the workers see those closed
        for _ in range(12):
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            _get_health(client)
            clients.append(client)
        held = _holders(port, clients, _children(proc.pid))
    finally:
        for client in clients:
            client.close()
        proc.terminate()
        proc.wait(timeout=20)
    # with asyncio's own accept (the sharing turned off) this fails: one worker takes most of them
    assert sum(held.values()) == 12
    # n == 0: the server's other child processes (not workers) hold none
    assert all(n == 0 or n >= 4 for n in held.values()) and max(held.values()) <= 8, held
