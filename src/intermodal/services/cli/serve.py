"""``intermodal serve``: the REST API and the web app under uvicorn."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from typing import Annotated

import typer

from intermodal.services.cli._output import BAD_INPUT, fail


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve)


def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; 0.0.0.0 exposes the server to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="uvicorn worker processes.")] = 1,
    scenario: Annotated[str, typer.Option(help="The scenario of queries that name none.")] = "chongqing",
    patch: Annotated[
        list[str] | None,
        typer.Option(
            "--patch",
            help="Serve the scenario with this patch of its own applied (intermodal scenario patches); "
            "repeat for more. Queries may also name SCENARIO+PATCH.",
        ),
    ] = None,
    reads: Annotated[
        str | None, typer.Option(help="open | token: whether reads need a token (writes always do).")
    ] = None,
) -> None:
    """Serve the web app and the REST API (OpenAPI at /api/docs) on the embedded Chongqing scenario.

    Open the address it prints in a browser. Settings beyond these options come from INTERMODAL_*
    environment variables (docs/api.md).

    Example:  intermodal serve --port 8000

    The 2026 network by default:  intermodal serve --patch 2026
    """
    from intermodal.services.cli._output import user_errors

    with user_errors():
        from intermodal.services.api._catalog import Catalog
        from intermodal.services.api._settings import Settings
        from intermodal.services.cli.report import named_as

        if patch:
            # workers know a patched scenario by name: SCENARIO+PATCH+..., each patch one the scenario ships
            scenario = "+".join([scenario, *patch])
        # fail here, with one line, rather than in every worker
        with named_as({"scenario": "--scenario" if not patch else "--patch"}):
            Catalog(Settings.from_env().bundles_dir).get(scenario)
    if reads is not None and reads not in ("open", "token"):
        fail([f"[--reads]: unknown value (found {reads!r}, expected open | token)"], BAD_INPUT)
    _check_port(host, port)
    # workers are separate processes: they read their settings from the environment
    os.environ["INTERMODAL_SCENARIO"] = scenario
    if reads is not None:
        os.environ["INTERMODAL_READS"] = reads
    import uvicorn

    from intermodal.engines.freight import is_warm, warm_up
    from intermodal.services.cli._balance import FOLDER_ENV
    from intermodal.services.cli._nodelay import NoDelayHTTP

    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"intermodal: serving on http://{shown}:{port}/  (API docs: http://{shown}:{port}/api/docs)")
    if not is_warm():
        # numba compiles the route search the first time, then reads it from its cache in a few seconds
        typer.echo("Loading the route search first (the first time it is compiled: up to a minute).")
        warm_up()
    typer.echo("Press Ctrl+C to stop.")
    # workers share new connections out (services/cli/_balance.py): each counts its own in this folder
    loads = tempfile.mkdtemp(prefix="intermodal-workers-") if workers > 1 else None
    if loads is not None:
        os.environ[FOLDER_ENV] = loads
    try:
        uvicorn.run(
            "intermodal.services.api:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            http=NoDelayHTTP,
            loop="intermodal.services.cli._balance:BalancedLoop" if loads is not None else "auto",
            log_level="warning",
            # a proxy in front may set X-Forwarded-*; trust it only from the same machine
            forwarded_allow_ips="127.0.0.1",
        )
    finally:
        if loads is not None:
            shutil.rmtree(loads, ignore_errors=True)


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            fail(
                [f"[--port]: cannot listen on {host}:{port}: {err.strerror} (try another --port)"], BAD_INPUT
            )
