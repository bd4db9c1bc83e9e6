"""The FastAPI application: routers, error mapping, health, and the background workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from tableside.api import errors
from tableside.api.routes import auth, events, floor, kitchen
from tableside.config import Settings
from tableside.realtime import hub
from tableside.store.database import make_engine
from tableside.store.unit_of_work import Database


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    database = db or Database(make_engine(settings.database_url))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(
        title="Tableside",
        version="0.1.0",
        summary="Point of sale for table-service restaurants: money and tables never disagree.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    errors.install(app)
    for module in (auth, floor, kitchen, events):
        app.include_router(module.router)
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
