"""Errors answered in Stripe's shape, and the JSON object type the emulator speaks in.

Every failure a request can meet is raised as a ``StripeApiError``; the app answers it with
the status, body (``{"error": {"type", "code", "message", ...}}``) and retry hint Stripe
would send. ``invalid`` and ``missing_resource`` build the two kinds raised most often.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]


class StripeApiError(Exception):
    """An error answered in Stripe's shape: ``{"error": {"type", "code", "message", ...}}``."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        extra: JsonObject | None = None,
        should_retry: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: JsonObject = {"error": {"type": type_, "message": message}}
        if code is not None:
            self.body["error"]["code"] = code
        if param is not None:
            self.body["error"]["param"] = param
        if extra:
            self.body["error"].update(extra)
        self.should_retry = should_retry


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeApiError:
    """A 400 ``invalid_request_error``: the request itself is wrong."""
    return StripeApiError(400, "invalid_request_error", message, param=param, code=code)


def missing_resource(kind: str, id_: str, *, param: str | None = None) -> StripeApiError:
    """``resource_missing``: no ``kind`` with id ``id_`` (in the URL, or in body ``param``)."""
    # Stripe answers 404 for the resource in the URL and 400 for a reference in the body.
    return StripeApiError(
        400 if param else 404,
        "invalid_request_error",
        f"No such {kind}: '{id_}'",
        code="resource_missing",
        param=param or "id",
    )
