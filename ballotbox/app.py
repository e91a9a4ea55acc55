"""The web application: composes the channels, the error mapping and the background clock."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ballotbox import __version__
from ballotbox.adapters.admin import ballots as admin_ballots
from ballotbox.adapters.admin import drafts as admin_drafts
from ballotbox.adapters.admin import issuance as admin_issuance
from ballotbox.adapters.admin import people as admin_people
from ballotbox.adapters.admin import registers as admin_registers
from ballotbox.adapters.admin import signin as admin_signin
from ballotbox.adapters.admin import watch as admin_watch
from ballotbox.adapters.audit_pages.disputes import router as dispute_router
from ballotbox.adapters.audit_pages.router import router as audit_router
from ballotbox.adapters.httpkit.bodylimit import BodyLimitMiddleware, BodyLimits
from ballotbox.adapters.httpkit.errors import status_for
from ballotbox.adapters.httpkit.language import LocaleMiddleware
from ballotbox.adapters.httpkit.limits import SlowAnswerMiddleware
from ballotbox.adapters.httpkit.security import SecurityHeadersMiddleware
from ballotbox.adapters.httpkit.templating import render
from ballotbox.adapters.phone import routes as phone_routes
from ballotbox.adapters.phone import status as phone_status
from ballotbox.adapters.postal import pages as postal_pages
from ballotbox.adapters.sms import routes as sms_routes
from ballotbox.adapters.web import api, docs, pages
from ballotbox.config import Settings, configure_logging, get_settings
from ballotbox.core import logsafe
from ballotbox.core.errors import BallotboxError
from ballotbox.core.i18n import _, current_locale
from ballotbox.services import Context
from ballotbox.services.batching import CastBatcher
from ballotbox.services.checkpoints import sign_due
from ballotbox.services.elections import apply_all_due
from ballotbox.services.guards import Guard
from ballotbox.storage.db import make_engine, transaction
from ballotbox.storage.migrate import readiness_problem
from ballotbox.wiring import context_for

log = logging.getLogger("ballotbox.app")
STATIC = Path(__file__).resolve().parent / "adapters" / "web" / "static"
TRANSITION_INTERVAL_S = 5.0


def wants_json(request: Request) -> bool:
    """API clients get JSON; people get a page."""
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
        "accept", ""
    )


async def _domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, BallotboxError)
    status = status_for(error)
    if wants_json(request):
        body = {"error": error.code, "detail": error.message}
        contest = getattr(error, "contest", None)  # a ChoiceError about one contest names it
        if contest:
            body["contest"] = contest
        return JSONResponse(body, status_code=status)
    return render(request, "error.html", {"error": error}, status_code=status)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"]}
        for e in error.errors()
    ]
    return JSONResponse({"error": "invalid_request", "detail": problems}, status_code=422)


def _slash_redirect(request: Request) -> Response | None:
    """For a path that exists only with (or without) a trailing slash: a redirect to it.

    Starlette's own redirect builds the address from the request's ``Host``
    header, which anyone can set; this one uses the configured public URL.
    """
    path = request.scope["path"]
    toggled = path[:-1] if path.endswith("/") else path + "/"
    if path == "/" or not toggled.strip("/"):
        return None
    routes = request.app.router.routes
    if any(route.matches(request.scope)[0] != Match.NONE for route in routes):
        return None  # the address exists: its own 404 stands
    if not any(
        route.matches({**request.scope, "path": toggled})[0] != Match.NONE for route in routes
    ):
        return None
    query = request.scope.get("query_string", b"").decode("latin-1")
    location = request.app.state.settings.public_base + toggled + (f"?{query}" if query else "")
    return RedirectResponse(location, status_code=307)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404 and (redirect := _slash_redirect(request)) is not None:
        return redirect
    detail = {
        404: _("Page not found."),
        405: _("This page is reached from a form: go back to the start and try again."),
    }.get(error.status_code, str(error.detail))
    if wants_json(request):
        return JSONResponse(
            {"error": f"http_{error.status_code}", "detail": detail},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )
    return render(
        request, "error.html", {"error": None, "message": detail}, status_code=error.status_code
    )


async def _unexpected(request: Request, error: Exception) -> Response:
    # The traceback goes to the log without the request body or path (they may carry a token).
    log.error(
        "unexpected %s on %s %s",
        type(error).__name__,
        request.method,
        getattr(request.scope.get("route"), "path", "?"),
        exc_info=(type(error), error, None),
    )
    message = _("Something went wrong on our side; nothing was recorded. Please try again.")
    if wants_json(request):
        return JSONResponse({"error": "internal", "detail": message}, status_code=500)
    lang, title = current_locale(), _("Error")
    page = f'<!doctype html><html lang="{lang}"><title>{title}</title><p>{message}</p>'
    return HTMLResponse(page, status_code=500)


async def _transition_loop(app: FastAPI) -> None:
    """Open and close elections on time even when nobody is voting."""
    while True:
        try:
            await asyncio.to_thread(_apply_due, app)
        except Exception:  # noqa: BLE001 - keep the loop alive; the next tick retries
            log.exception("applying scheduled open/close failed")
        await asyncio.sleep(TRANSITION_INTERVAL_S)


def _apply_due(app: FastAPI) -> None:
    with transaction(app.state.engine) as session:
        for slug in apply_all_due(session, app.state.context):
            log.info("election %s changed state on schedule", slug)
        for slug in sign_due(session, app.state.context):
            log.info("election %s: checkpoint signed", slug)
        app.state.guard.prune(session)  # expired counts and replies: gone within seconds


def _freeze_start_up() -> None:
    """Move what start-up built out of the cyclic collector's sight, once per process.

    Modules, routes, templates and the engine live as long as the process; without
    this, every full collection during a burst of votes scanned all of them, and
    those pauses were most of the casts' p99 (70 -> 26 ms in benchmarks/cast.py).
    """
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    _freeze_start_up()
    app.state.batcher.start()
    task = asyncio.create_task(_transition_loop(app))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.to_thread(app.state.batcher.stop)
        app.state.engine.dispose()


def _probes(app: FastAPI, settings: Settings) -> None:
    """/healthz and /readyz, matched before every other route (the proxy asks them often)."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness probe for the proxy and the test harness (answered in the event loop)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Readiness probe: 200 when the database answers at the newest schema and keys exist."""
        problem = readiness_problem(app.state.engine)
        if problem is None and not settings.key_dir.is_dir():
            problem = "the key directory is missing"
        if problem is not None:
            return JSONResponse({"status": "unavailable", "detail": problem}, status_code=503)
        return JSONResponse({"status": "ready"})


def create_app(settings: Settings | None = None, context: Context | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: the environment).

    ``context`` defaults to :func:`ballotbox.wiring.context_for`; the phone
    line's voicemail queue and the close's late arrivals come with it.
    """
    settings = settings or get_settings()
    context = context or context_for(settings)
    configure_logging(settings.log_level)
    logsafe.install()
    app = FastAPI(
        title="ballotbox",
        version=__version__,
        description="Verifiable, anonymous ballots. Cast with a token from your card.",
        lifespan=_lifespan,
        redirect_slashes=False,  # see _slash_redirect: never to an address built from Host
        docs_url=None,  # served by ballotbox.adapters.web.docs, under the app's own CSP
        redoc_url=None,
        # No OpenTelemetry: spans would carry addresses with tokens in them (/v/<token>), and
        # checking for a configured provider cost every request a look at the environment.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.context = context
    app.state.engine = make_engine(settings.database_url)
    app.state.guard = Guard.from_settings(settings, context, app.state.engine)
    app.state.batcher = CastBatcher(app.state.engine, context, guard=app.state.guard)
    app.add_exception_handler(BallotboxError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(SlowAnswerMiddleware)
    app.add_middleware(BodyLimitMiddleware, limits=BodyLimits.from_settings(settings))
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.public_url.startswith("https://"))
    app.add_middleware(LocaleMiddleware, default=settings.locale)
    _probes(app, settings)
    # Every request is matched against the routes in this order (no two share an address):
    # the probes and the voting channels first, then static files, pages and consoles.
    app.include_router(api.router)
    app.include_router(sms_routes.router)
    app.include_router(phone_routes.router)
    app.include_router(phone_status.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(docs.router)
    app.include_router(audit_router)
    app.include_router(dispute_router)
    app.include_router(postal_pages.router)
    app.include_router(admin_signin.router)
    app.include_router(admin_ballots.router)
    app.include_router(admin_drafts.router)
    app.include_router(admin_watch.router)
    app.include_router(admin_people.router)
    app.include_router(admin_registers.router)
    app.include_router(admin_issuance.router)
    _document(app)
    return app


def _document(app: FastAPI) -> None:
    """The OpenAPI document as FastAPI makes it, with what routes that read their own body
    take (built once, when first asked for)."""
    make = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = make()
        if first:
            api.document_body(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
