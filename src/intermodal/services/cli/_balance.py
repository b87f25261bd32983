"""uvicorn workers that share new connections out between them (``intermodal serve --workers N``, N > 1).

The workers share one listening socket, and whichever wakes first takes a new connection. When they are idle
the same one keeps winning: 8 keep-alive clients connecting one after another split 8/0, 7/1 or 6/2 between
two workers (read with ``ss``), and under their load one core idled. Here each worker publishes how many
connections it holds (a file per worker, in a folder ``intermodal serve`` makes), and a worker that holds more
than another lets that one take the connection: it waits ``WAIT_PER_CONNECTION_S`` per connection of
difference (at most ``MAX_WAIT_S``), then takes every connection still waiting. A worker holding no more
than the others takes each connection at once, so a burst of new connections waits only while that worker
is busy.

Imported by ``intermodal serve`` only, since it runs inside uvicorn's event loop.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path
from typing import Any

__all__ = [
    "FOLDER_ENV",
    "MAX_WAIT_S",
    "WAIT_PER_CONNECTION_S",
    "BalancedLoop",
    "WorkerLoads",
    "closed",
    "opened",
]

#: the environment variable that names the folder of the workers' counts
FOLDER_ENV = "INTERMODAL_WORKER_LOADS"
#: how long a worker holding more connections than another waits, per connection of difference, and at most
WAIT_PER_CONNECTION_S = 0.002
MAX_WAIT_S = 0.02
#: how often a worker looks for workers started since
LIST_EVERY_S = 1.0


class WorkerLoads:
    """The connections this worker holds, written to its file in ``folder``; the fewest any other holds."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pid = os.getpid()
        self.held = 0
        self._mine = os.open(folder / str(self.pid), os.O_RDWR | os.O_CREAT, 0o600)
        self._others: dict[int, int] = {}  # pid: open file
        self._listed_at = -LIST_EVERY_S
        self.change(0)

    def change(self, by: int) -> None:
        self.held += by
        os.pwrite(self._mine, self.held.to_bytes(8, "little", signed=True), 0)

    def fewest_elsewhere(self) -> int | None:
        """The fewest connections another live worker holds; ``None`` when there is none."""
        now = time.monotonic()
        if now - self._listed_at > LIST_EVERY_S:  # workers come and go rarely: listed now and then
            self._listed_at = now
            self._list()
        fewest = None
        for pid, fd in list(self._others.items()):
            if not _alive(pid):  # a worker that ended (uvicorn starts another, with its own file)
                os.close(fd)
                del self._others[pid]
                continue
            n = int.from_bytes(os.pread(fd, 8, 0), "little", signed=True)
            fewest = n if fewest is None else min(fewest, n)
        return fewest

    def _list(self) -> None:
        try:
            names = os.listdir(self.folder)
        except OSError:
            return  # the folder is gone (a temp cleaner, say): the workers known so far still count
        for name in names:
            if name.isdigit() and int(name) != self.pid and int(name) not in self._others:
                try:
                    self._others[int(name)] = os.open(self.folder / name, os.O_RDONLY)
                except OSError:
                    continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_loads: WorkerLoads | None = None


def opened() -> None:
    """Count a connection this worker took (its HTTP protocol calls this)."""
    if _loads is not None:
        _loads.change(1)


def closed() -> None:
    """Count a connection of this worker that ended."""
    if _loads is not None:
        _loads.change(-1)


class BalancedLoop(asyncio.SelectorEventLoop):
    """asyncio's event loop, taking new connections as described above.

    It overrides the loop's accept step, which asyncio calls each time the listening socket is readable (a
    private method, the same from Python 3.11 to 3.13); asyncio itself pauses and resumes a listening socket
    the same way when it runs out of file descriptors. Without the folder (``FOLDER_ENV``) it is asyncio's.
    """

    def __init__(self) -> None:
        super().__init__()
        global _loads
        folder = os.environ.get(FOLDER_ENV)
        if folder and _loads is None:
            _loads = WorkerLoads(Path(folder))

    def _accept_connection(self, protocol_factory: Any, sock: socket.socket, *args: Any) -> None:
        # args: sslcontext, server, backlog, then the TLS timeouts, as asyncio's _start_serving passes them
        fewest = _loads.fewest_elsewhere() if _loads is not None else None
        if _loads is None or fewest is None:
            super()._accept_connection(protocol_factory, sock, *args)  # type: ignore[misc]
            return
        excess = _loads.held - fewest
        if excess <= 0:
            # one at a time: the next one waiting wakes the workers again, and each compares anew
            sslcontext, server, _backlog, *timeouts = args
            super()._accept_connection(protocol_factory, sock, sslcontext, server, 1, *timeouts)  # type: ignore[misc]
            return
        # stop listening for a moment: the worker holding fewer connections takes this one meanwhile
        self._remove_reader(sock.fileno())  # type: ignore[attr-defined]
        wait = min(WAIT_PER_CONNECTION_S * excess, MAX_WAIT_S)
        self.call_later(wait, self._resume, protocol_factory, sock, *args)

    def _resume(self, protocol_factory: Any, sock: socket.socket, *args: Any) -> None:
        server = args[1]
        if sock.fileno() == -1 or (server is not None and not server.is_serving()):
            return  # the server stopped meanwhile
        self._start_serving(protocol_factory, sock, *args)  # type: ignore[attr-defined]
        # every connection still waiting: the other worker is busy, and none waits twice
        super()._accept_connection(protocol_factory, sock, *args)  # type: ignore[misc]
