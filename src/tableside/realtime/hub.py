"""The realtime hub (being built: see issue "Live floor")."""

from __future__ import annotations

from fastapi import FastAPI


def attach(app: FastAPI) -> None:
    """Wire the realtime hub into the app (routes, start-up and shutdown)."""
