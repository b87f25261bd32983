"""intermodal serve's HTTP protocol sends each response at once, on any socket uvicorn accepts from."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import uvicorn

from intermodal.services.cli._nodelay import NoDelayHTTP


async def _hello(scope: dict, receive: object, send: object) -> None:
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": b"hi"})  # type: ignore[operator]


def test_nagle_is_off_on_a_socket_bound_without_naming_tcp() -> None:
    seen: list[int] = []

    class Recording(NoDelayHTTP):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    # as uvicorn binds the socket it hands to several workers: protocol 0, not IPPROTO_TCP
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_hello, http=Recording, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text == "hi"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
    assert seen and all(seen)
