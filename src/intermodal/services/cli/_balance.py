"""uvicorn workers that share new connections out between them (``intermodal serve --workers N``, N > 1).

The workers share one listening socket, and whichever wakes first takes a new connection. When they are idle
the same one keeps winning: 8 keep-alive clients connecting one after another split 8/0, 7/1 or 6/2 between
two workers, and under their load one core then idled (measured with ``ss``; 1.4 to 1.66 of 2 cores busy).
Here a worker that already holds connections waits a little before it takes one more, one at a time, so a
worker that holds fewer takes it first. A connection waits at most ``MAX_WAIT_S`` for it, once.

Imported by ``intermodal serve`` only, since it runs inside uvicorn's event loop.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

__all__ = ["MAX_WAIT_S", "WAIT_PER_CONNECTION_S", "BalancedLoop", "closed", "opened"]

#: how long a worker waits before taking a connection, per connection it already holds, and at most
WAIT_PER_CONNECTION_S = 0.002
MAX_WAIT_S = 0.02

_held = 0


def opened() -> None:
    """Count a connection this worker took (its HTTP protocol calls this)."""
    global _held
    _held += 1


def closed() -> None:
    """Count a connection of this worker that ended."""
    global _held
    _held -= 1


class BalancedLoop(asyncio.SelectorEventLoop):
    """asyncio's event loop, taking new connections as described above.

    It overrides the loop's accept step, which asyncio calls each time the listening socket is readable (a
    private method, the same from Python 3.11 to 3.13); asyncio itself pauses and resumes a listening socket
    the same way when it runs out of file descriptors.
    """

    def _accept_connection(self, protocol_factory: Any, sock: socket.socket, *args: Any) -> None:
        # args: sslcontext, server, backlog, then the TLS timeouts, as asyncio's _start_serving passes them
        if _held == 0:
            self._accept_one(protocol_factory, sock, *args)
            return
        # stop listening for a moment: a worker holding fewer connections takes this one meanwhile
        self._remove_reader(sock.fileno())  # type: ignore[attr-defined]
        wait = min(WAIT_PER_CONNECTION_S * _held, MAX_WAIT_S)
        self.call_later(wait, self._resume, protocol_factory, sock, *args)

    def _resume(self, protocol_factory: Any, sock: socket.socket, *args: Any) -> None:
        server = args[1]
        if sock.fileno() == -1 or (server is not None and not server.is_serving()):
            return  # the server stopped meanwhile
        self._start_serving(protocol_factory, sock, *args)  # type: ignore[attr-defined]
        self._accept_one(protocol_factory, sock, *args)  # the one that waited, unless another worker took it

    def _accept_one(self, protocol_factory: Any, sock: socket.socket, *args: Any) -> None:
        # one connection per wake-up: the next one waiting wakes the workers again
        sslcontext, server, _backlog, *timeouts = args
        super()._accept_connection(protocol_factory, sock, sslcontext, server, 1, *timeouts)  # type: ignore[misc]
