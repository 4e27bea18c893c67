"""FastAPI app factory: mounts each module's router and pages, errors, metrics, the embedded worker."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongzhi import __version__
from gongzhi.clock import Clock, SystemClock
from gongzhi.config import Settings, get_settings
from gongzhi.db import Database, database_from_settings
from gongzhi.errors import AppError, ImportRejected
from gongzhi.http import get_lang
from gongzhi.i18n import translate

log = logging.getLogger("gongzhi.http")

REQUESTS = Counter("gongzhi_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "gongzhi_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

SessionProvider = Callable[..., AbstractContextManager[Session]]


class ObserveMiddleware:
    """Pure ASGI (no per-request task): metrics by route template plus one structured log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUESTS.labels(scope["method"], template, str(status)).inc()
            LATENCY.labels(scope["method"], template).observe(elapsed)
            if template not in ("/healthz", "/metrics"):
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    },
                )


def _error(request: Request, http_status: int, code: str, /, body_extra: dict[str, Any] | None = None,
           **params: Any) -> JSONResponse:
    lang = get_lang(request)
    body: dict[str, Any] = {"error": {"code": code, "message": translate(code, lang, **params)}, **(body_extra or {})}
    return JSONResponse(body, status_code=http_status)


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc}: {err.get('msg', '')}" if loc else str(err.get("msg", "")))
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        handler = page_handler(request)
        if handler is not None:
            page: Response = handler(request, exc.status_code, exc.code, exc.params)
            return page
        # An all-or-nothing import that wrote nothing also lists every bad row.
        rows = {"rows": [{"row": r.row, "message": r.message} for r in exc.rows]} if isinstance(exc, ImportRejected) else None
        return _error(request, exc.status_code, exc.code, rows, **exc.params)

    def page_handler(request: Request) -> Any:
        """The web module's HTML error page, for browser paths (not /api, not the OpenAPI)."""
        if request.url.path.startswith(("/api", "/openapi", "/docs", "/metrics", "/healthz")):
            return None
        return getattr(request.app.state, "page_error_handler", None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        detail = _validation_detail(exc)
        handler = page_handler(request)
        if handler is not None:
            page: Response = handler(request, 422, "validation_error", {"detail": detail})
            return page
        return _error(request, 422, "validation_error", detail=detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            413: "payload_too_large",
            429: "too_many_requests",
        }.get(exc.status_code, "validation_error")
        handler = page_handler(request)
        if handler is not None and exc.status_code in (401, 403, 404):
            page: Response = handler(request, exc.status_code, code, {})
            return page
        return _error(request, exc.status_code, code, detail=str(exc.detail))

    @app.exception_handler(DataError)
    async def unstorable_value(request: Request, exc: DataError) -> Response:
        # The database refused a value's form (a NUL byte in text, a number out of range): bad input,
        # and the request's transaction has already rolled back, so nothing was half-written.
        log.warning("database refused a value", extra={"path": _route_path(request), "error": str(exc.orig)[:200]})
        return _error(request, 422, "value_not_storable")

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": _route_path(request)})
        handler = page_handler(request)
        if handler is not None:
            page: Response = handler(request, 500, "internal_error", {})
            return page
        return _error(request, 500, "internal_error")


def settle_heap() -> None:
    """Call once the app is built, before serving: what is alive now (modules, models, the app)
    lives as long as the process, so the collector stops scanning it.

    Without this, each full collection walked ~330,000 startup objects and stopped the server for
    100-170 ms, a dozen times a minute under load: the intake bench's p99 was those pauses."""
    gc.collect()
    gc.freeze()


def create_app(
    *,
    settings: Settings | None = None,
    database: Database | None = None,
    clock: Clock | None = None,
    sessions: SessionProvider | None = None,
    start_worker: bool | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    database = database or database_from_settings(settings.database_url)
    clock = clock or SystemClock()
    run_worker = settings.run_embedded_worker if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if run_worker:
            from gongzhi.worker import run_loop

            thread = threading.Thread(
                target=run_loop, args=(database, clock, settings, stop), name="gongzhi-worker", daemon=True
            )
            thread.start()
        yield
        stop.set()
        if thread is not None:
            thread.join(timeout=10)

    app = FastAPI(
        title="共治 gongzhi API",
        version=__version__,
        description="基层治理平台 API：工单、网格、账号、审计。Grassroots governance platform API.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock
    app.state.sessions = sessions or database.session
    app.add_middleware(ObserveMiddleware)
    install_error_handlers(app)

    @app.get("/healthz", tags=["ops"], summary="存活与数据库检查 Liveness and database check")
    def healthz() -> dict[str, str]:
        with database.session(readonly=True) as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def metrics() -> Response:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    _mount_modules(app)
    return app


def _route_path(request: Request) -> str:
    """The route's template, not the URL: a device token in /api/v1/{token}/telemetry stays out of logs."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "") or "?")


def _mount_modules(app: FastAPI) -> None:
    from gongzhi.analytics.api import router as analytics_router
    from gongzhi.analytics.dashboard_api import router as dashboard_router
    from gongzhi.analytics.report_api import router as analytics_report_router
    from gongzhi.analytics.survey_api import router as survey_router
    from gongzhi.auth.api import router as auth_router
    from gongzhi.cases.api import router as cases_router
    from gongzhi.council.api import router as council_router
    from gongzhi.council.ballot_api import router as ballot_router
    from gongzhi.council.volunteer_api import router as volunteer_router
    from gongzhi.devices.api import router as devices_router
    from gongzhi.devices.handlers import load_all
    from gongzhi.eldercare.api import router as eldercare_router
    from gongzhi.geo.api import router as geo_router
    from gongzhi.mediation.api import router as mediation_router
    from gongzhi.mediation.triage_api import router as triage_router
    from gongzhi.open311.api import router as open311_router
    from gongzhi.web.pages import mount as mount_pages

    load_all()  # every module's device-reading handlers (eldercare, sensing) subscribe now

    for router in (
        auth_router,
        geo_router,
        cases_router,
        devices_router,
        open311_router,
        council_router,
        ballot_router,
        volunteer_router,
        eldercare_router,
        mediation_router,
        triage_router,
        analytics_router,
        dashboard_router,
        survey_router,
        analytics_report_router,
    ):
        app.include_router(router)
    mount_pages(app)
