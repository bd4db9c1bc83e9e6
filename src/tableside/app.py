"""The FastAPI application: routers, error mapping, health, and the background workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from tableside.checks import routes as checks
from tableside.config import Settings
from tableside.core import access_log, openapi
from tableside.core import http_errors as errors
from tableside.core.database import make_engine
from tableside.core.middleware import CatchAll, RequestGuard
from tableside.core.unit_of_work import Database
from tableside.floor import routes as floor
from tableside.guests import order_routes as guest_orders
from tableside.guests import orders
from tableside.guests import routes as guests
from tableside.kitchen import routes as kitchen
from tableside.menu import routes as menu
from tableside.payments import routes as payments
from tableside.payments.processor import CardProcessor
from tableside.payments.recovery import Recovery, RecoveryLoop
from tableside.payments.refunds import Refunds
from tableside.payments.settlement import Settlement
from tableside.payments.stripe_card import StripeCardProcessor
from tableside.realtime import hub
from tableside.realtime import routes as events
from tableside.reports import routes as reports
from tableside.restaurants import routes as restaurant
from tableside.staff import routes as auth
from tableside.web import pages


def create_app(
    settings: Settings, db: Database | None = None, processor: CardProcessor | None = None
) -> FastAPI:
    database = db or Database(
        make_engine(
            settings.database_url,
            pool_size=settings.pool_size,
            prepared_statements=not settings.pooled_per_transaction,
        )
    )
    card_processor = processor or StripeCardProcessor.from_settings(settings)
    settlement = Settlement(database, card_processor, settings.processor_timeout_s)
    refunds = Refunds(database, card_processor, settings.processor_timeout_s)
    recovery = Recovery(
        database,
        settlement,
        card_processor,
        settings.processor_timeout_s,
        search_lag_s=settings.processor_search_lag_s,
        refunds=refunds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Requests' work runs on this many threads of this process (anyio's default is 40;
        # beyond a few per core they mostly take turns on the GIL). Payments, which may wait
        # on the card processor, have threads of their own (core/http.py, payment_threads).
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        # Pending payments are settled at start-up and then every few seconds.
        # So are guests' orders that nobody paid for (their process stopped while holding).
        loop = RecoveryLoop(
            recovery,
            settings.recovery_interval_s,
            chores=[partial(orders.call_off_abandoned, database)],
        )
        loop.start()
        try:
            yield
        finally:
            loop.stop()

    app = FastAPI(
        title="Tableside",
        version="0.1.0",
        summary="Point of sale for table-service restaurants: money and tables never disagree.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    access_log.install()  # whoever turns uvicorn's access log on never logs a token
    app.state.db = database
    app.state.processor = card_processor
    app.state.settlement = settlement
    app.state.refunds = refunds
    app.state.recovery = recovery
    errors.install(app)
    app.add_middleware(CatchAll)
    # Outermost: before anything reads the body. A menu file may be larger than a request.
    app.add_middleware(RequestGuard, limits={"/api/v1/menu/import": 2 * 1024 * 1024})
    # Most called first: routes are matched in order, every request against each one before.
    for module in (
        payments,
        checks,
        floor,
        kitchen,
        menu,
        events,
        auth,
        reports,
        restaurant,
        guests,
        guest_orders,
        pages,
    ):
        app.include_router(module.router)
    app.mount("/static", pages.static_files(), name="static")
    openapi.install(app)
    hub.attach(app)

    @app.get("/healthz", tags=["operations"])
    def healthz(request: Request) -> JSONResponse:
        """200 when the database answers."""
        try:
            with request.app.state.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # any failure to reach the database is "not healthy"
            return JSONResponse(
                errors.error_body(
                    "database_unreachable", f"The database is not reachable: {error}"
                ),
                status_code=503,
            )
        return JSONResponse({"status": "ok"})

    return app
