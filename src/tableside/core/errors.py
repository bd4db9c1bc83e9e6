"""Domain errors. Each carries a stable ``code`` and a message a server on the floor can act on.

The API maps the classes (not the codes) to HTTP status codes in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """The thing does not exist in the caller's restaurant (another restaurant's ids too)."""

    code = "not_found"


class InvalidRequest(DomainError):
    """The request can never succeed as sent (422)."""

    code = "invalid_request"


class Conflict(DomainError):
    """The request clashes with the current state; it may succeed after that state changes (409)."""

    code = "conflict"


class NotAllowed(DomainError):
    """The staff member's role may not do this (403)."""

    code = "forbidden"


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class LockedOut(DomainError):
    """Too many wrong PINs, or requests (429); ``retry_after_s``: when to try again, if known
    (the answer's ``Retry-After`` header)."""

    code = "locked_out"

    def __init__(
        self, message: str, *, code: str | None = None, retry_after_s: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s


class PaymentDeclined(DomainError):
    code = "card_declined"


class ProcessorFailed(DomainError):
    """The processor failed and we confirmed nothing was charged (502)."""

    code = "processor_error"


class ProcessorTimeout(DomainError):
    """The processor's answer never came; the payment stays pending (504)."""

    code = "processor_timeout"
