"""``intermodal serve --workers 2`` shares keep-alive connections out between its workers."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="reads Linux's /proc")


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
    assert all(n == 0 or n >= 4 for n in held.values()) and max(held.values()) <= 8, held
