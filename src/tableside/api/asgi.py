"""ASGI entry point for uvicorn workers: ``uvicorn tableside.api.asgi:app_from_env --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from tableside.api.app import create_app
from tableside.config import Settings


def app_from_env() -> FastAPI:
    return create_app(Settings.from_env())
