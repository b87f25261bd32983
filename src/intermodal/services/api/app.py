"""The FastAPI application: routes, the network, scenario uploads, and the web app's static files.

Every endpoint is a thin wrapper over a library function; see docs/api.md for the endpoints and settings.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

import intermodal
from intermodal.engines.reference import Deadline
from intermodal.exceptions import BundleError, SearchTimeout
from intermodal.io.wire import json_bytes
from intermodal.services.api import _views as views
from intermodal.services.api._auth import Unauthorized, on_unauthorized, require_read, require_write
from intermodal.services.api._bodies import JsonBodies
from intermodal.services.api._catalog import Catalog
from intermodal.services.api._headers import CrossOrigin, SecurityHeaders
from intermodal.services.api._limits import BodySizeLimit
from intermodal.services.api._routes import JsonRoutes
from intermodal.services.api._search import route_answer
from intermodal.services.api._settings import Settings
from intermodal.services.api.compare import router as compare_router
from intermodal.services.api.disruptions import install_disruptions
from intermodal.services.api.disruptions import write_router as disruptions_write_router
from intermodal.services.api.ledger import install_ledger
from intermodal.services.api.ledger import write_router as ledger_write_router
from intermodal.services.api.operations import install_operations
from intermodal.services.api.plans import install_plans
from intermodal.services.api.problems import (
    InternalErrors,
    ProblemDetail,
    field_errors,
    install_problem_handlers,
    problem_openapi,
    problem_response,
)
from intermodal.services.api.quotes import install_quotes
from intermodal.services.api.quotes import write_router as quotes_write_router
from intermodal.services.api.schemas import (
    Crossing,
    FeatureCollection,
    LinkView,
    RouteQuery,
    RouteResultDoc,
    ScenarioInfo,
    ServiceView,
    TerminalView,
)

__all__ = ["create_app"]

WEB_DIR = Path(__file__).resolve().parents[1] / "web" / "static"
_PROBLEM = {"model": ProblemDetail}
ScenarioName = Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", max_length=64)]
#: a scenario to read: a name, or an embedded scenario with patches it ships (chongqing+2026)
ReadScenarioName = Annotated[
    str,
    PathParam(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}(\+[a-z0-9][a-z0-9_-]{0,63}){0,8}$", max_length=600),
]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def _bundle_of(catalog: Catalog, name: str) -> Any:
    try:
        return catalog.get(name, field="name")
    except BundleError as err:
        raise _NotFound(err) from err


class _NotFound(Exception):
    def __init__(self, err: BundleError) -> None:
        self.err = err


async def _on_not_found(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, _NotFound)
    errors = field_errors(exc.err.problems)
    return problem_response(request, 404, kind="no-such-scenario", detail=errors[0].message, errors=errors)


read_router = APIRouter(prefix="/api", dependencies=[Depends(require_read)])
write_router = APIRouter(prefix="/api", dependencies=[Depends(require_write)])
_ERRORS: dict[int | str, dict[str, Any]] = {401: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM}


@read_router.post(
    "/routes",
    response_model=RouteResultDoc,
    responses={**_ERRORS, 413: _PROBLEM, 503: _PROBLEM},
    tags=["routes"],
    summary="Door-to-door options for one shipment",
)
async def post_routes(query: RouteQuery, request: Request) -> Response:
    """The route JSON of docs/json-output.md for the fields of ``intermodal route``.

    Unknown places, impossible shipments and unknown scenarios answer 422 with every field at fault; a valid
    query with no route answers 422 of type ``/problems/no-route`` with the reasons. A query that outruns the
    server's work budget answers 503, and so does one that finds every search slot busy for too long.
    """
    settings = _settings(request)
    slots = _search_slots(request.app, settings)
    try:
        slots.acquire_nowait()
    except anyio.WouldBlock:
        try:
            with anyio.fail_after(settings.queue_seconds):
                await slots.acquire()
        except TimeoutError:
            return problem_response(
                request,
                503,
                kind="server-busy",
                detail=f"all {settings.max_searches} route searches stayed busy for "
                f"{settings.queue_seconds:g} s; try again shortly",
                headers={"Retry-After": "2"},
            )
    # the searches poll it and stop once it has passed: the thread ends, and gives its slot back, soon after
    deadline = Deadline(settings.query_seconds)

    def work() -> bytes:
        return json_bytes(route_answer(request.app, query, deadline))

    try:
        # a worker thread keeps the event loop free (the JSON encoding too); it is awaited, not abandoned, so
        # that a slot is free only once its search has stopped
        body = await anyio.to_thread.run_sync(work)
    except SearchTimeout:
        return problem_response(
            request,
            503,
            kind="query-budget",
            detail=f"the query needed more than {settings.query_seconds:g} s of work; narrow it "
            "(a due time, fewer options) or try again later",
            headers={"Retry-After": "5"},
        )
    finally:
        slots.release()
    return Response(body, media_type="application/json")


def _search_slots(app: FastAPI, settings: Settings) -> anyio.Semaphore:
    """The server's route-search slots, made in the event loop on first use."""
    slots: anyio.Semaphore | None = getattr(app.state, "search_slots", None)
    if slots is None:
        slots = app.state.search_slots = anyio.Semaphore(max(1, settings.max_searches))
    return slots


@read_router.get("/scenarios", response_model=list[ScenarioInfo], responses=_ERRORS, tags=["network"])
async def get_scenarios(request: Request) -> list[dict[str, Any]]:
    """Every scenario the server knows: the embedded ones, then uploaded bundles."""
    catalog = _catalog(request)
    out = []
    for name in catalog.names():
        bundle = _bundle_of(catalog, name)
        out.append(
            views.scenario_info(bundle, name=name, uploaded=not catalog.is_embedded(name.split("+")[0]))
        )
    return out


@read_router.get("/scenarios/{name}", response_model=ScenarioInfo, responses=_ERRORS, tags=["network"])
async def get_scenario(name: ReadScenarioName, request: Request) -> dict[str, Any]:
    """One scenario's title, currency and size."""
    catalog = _catalog(request)
    return views.scenario_info(
        _bundle_of(catalog, name), name=name, uploaded=not catalog.is_embedded(name.split("+")[0])
    )


@read_router.get(
    "/scenarios/{name}/terminals", response_model=list[TerminalView], responses=_ERRORS, tags=["network"]
)
async def get_terminals(name: ReadScenarioName, request: Request) -> list[dict[str, Any]]:
    """The terminals, with names in English and Chinese, modes, and customs, reefer and DG facilities."""
    return views.terminal_views(_bundle_of(_catalog(request), name))


@read_router.get(
    "/scenarios/{name}/links", response_model=list[LinkView], responses=_ERRORS, tags=["network"]
)
async def get_links(name: ReadScenarioName, request: Request) -> list[dict[str, Any]]:
    """The links between terminals (road, rail, inland waterway, sea)."""
    return views.link_views(_bundle_of(_catalog(request), name))


@read_router.get(
    "/scenarios/{name}/services", response_model=list[ServiceView], responses=_ERRORS, tags=["network"]
)
async def get_services(name: ReadScenarioName, request: Request) -> list[dict[str, Any]]:
    """The scheduled services, each with its commercial line, stops and daily departures."""
    return views.service_views(_bundle_of(_catalog(request), name))


@read_router.get(
    "/scenarios/{name}/crossings", response_model=list[Crossing], responses=_ERRORS, tags=["network"]
)
async def get_crossings(name: ReadScenarioName, request: Request) -> list[dict[str, Any]]:
    """The border crossings, with their clearance time and cost."""
    return views.crossing_views(_bundle_of(_catalog(request), name))


@read_router.get(
    "/scenarios/{name}/geojson/{layer}",
    response_model=FeatureCollection,
    responses=_ERRORS,
    tags=["network"],
    summary="A map overlay as GeoJSON",
)
async def get_overlay(
    name: ReadScenarioName, layer: Literal["terminals", "links", "lines", "crossings"], request: Request
) -> dict[str, Any]:
    """One map layer as a FeatureCollection: terminal points, link lines, service lines (one per commercial
    line, following the links), or border-crossing points. Coordinates are [lon, lat] (WGS 84)."""
    return views.overlay(_bundle_of(_catalog(request), name), layer)


@write_router.put(
    "/scenarios/{name}",
    response_model=ScenarioInfo,
    status_code=201,
    responses={200: {"model": ScenarioInfo, "description": "Replaced."}, **_ERRORS, 413: _PROBLEM},
    tags=["network"],
    summary="Upload or replace a bundle (token)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_scenario(name: ScenarioName, request: Request) -> Response:
    """Upload a zipped bundle (docs/data-format.md) as scenario ``name``: 201 when new, 200 when replaced.

    The bundle is validated in full first; a bundle with problems answers 422 with every problem, each naming
    its file, row and field, and nothing is stored.
    """
    data = await request.body()
    bundle, replaced = await anyio.to_thread.run_sync(_catalog(request).put, name, data)
    info = views.scenario_info(bundle, name=name, uploaded=True)
    return JSONResponse(info, status_code=200 if replaced else 201)


def _warm_up() -> None:
    from intermodal.engines.freight import warm_up  # imports numba: only in a process that serves

    warm_up()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API and the web app.

    Parameters
    ----------
    settings
        What the server allows; ``Settings.from_env()`` when not given.
    """
    settings = settings or Settings.from_env()
    catalog = Catalog(settings.bundles_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # load the default scenario before the first request, not during it
        with contextlib.suppress(BundleError):  # queries will say which scenario is missing
            await anyio.to_thread.run_sync(catalog.get, settings.scenario)
        # and the compiled route search (2-3 s, once per process): loading it in the background would slow
        # the first pages served while it holds the interpreter
        await anyio.to_thread.run_sync(_warm_up)
        yield
        opened = getattr(app.state, "ledger", None)
        if opened is not None:
            opened.dispose()
            app.state.ledger = None

    app = FastAPI(
        title="intermodal",
        version=intermodal.__version__,
        description="Road-rail-water freight: door-to-door routes by time, cost and CO2e on a network. "
        "Errors are RFC 9457 problem+json. See docs/api.md.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.catalog = catalog
    install_problem_handlers(app)
    app.add_exception_handler(Unauthorized, on_unauthorized)
    app.add_exception_handler(_NotFound, _on_not_found)
    app.include_router(read_router)
    app.include_router(write_router)
    install_ledger(app)
    install_quotes(app)
    install_disruptions(app)
    install_plans(app)
    install_operations(app)
    app.include_router(compare_router)

    @app.get("/api/health", tags=["meta"])
    async def health() -> dict[str, str]:
        """Liveness: answers without a token."""
        return {"status": "ok", "version": intermodal.__version__}

    @app.get("/api/settings", tags=["meta"])
    async def public_settings() -> dict[str, Any]:
        """What a client needs to know: the default scenario, whether reads need a token, and the limits."""
        return {
            "scenario": settings.scenario,
            "reads": settings.reads,
            "max_request_bytes": settings.max_request_bytes,
            "query_seconds": settings.query_seconds,
        }

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            if settings.reads == "open":
                # reads take a token but do not need one: say so, so that clients (and schemathesis) know
                writes = {
                    (getattr(r, "path", ""), m.lower())
                    for router in (
                        write_router,
                        ledger_write_router,
                        quotes_write_router,
                        disruptions_write_router,
                    )
                    for r in router.routes
                    for m in getattr(r, "methods", ())
                }
                for path, ops in schema.get("paths", {}).items():
                    for method, op in ops.items():
                        if "security" in op and (path, method) not in writes:
                            op["security"] = [{}, *op["security"]]
            app.openapi_schema = problem_openapi(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return RedirectResponse("/app/", status_code=307)

    app.mount("/app", StaticFiles(directory=WEB_DIR, html=True), name="web")

    def limit_for(method: str, path: str) -> int:
        uploads = method == "PUT" and path.startswith("/api/scenarios/")
        if uploads or (method, path) == ("POST", "/api/plans"):
            return settings.max_upload_bytes
        return settings.max_request_bytes

    # the last added is the outermost: CORS, security headers, unexpected exceptions, size, JSON bodies.
    # A body over the limit raises through the endpoint that reads it: the size limit is inside the catch-all.
    app.add_middleware(JsonBodies, takes_json=JsonRoutes(app))
    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    app.add_middleware(InternalErrors)
    app.add_middleware(SecurityHeaders)
    if settings.cors_origins:
        app.add_middleware(
            CrossOrigin,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return app
