"""The card adapter: ``CardProcessor`` over Stripe's API, through the official ``stripe`` library.

It talks to real Stripe or to the bundled emulator alike (only the base URL differs). Each
public call gets one time budget (``timeout_s``): every HTTP request is bounded by what is
left of it, and retries (always with the same idempotency key, so never a second charge)
happen only while budget remains. Processor trouble never raises out of ``charge``,
``lookup`` or ``refund``; it becomes an outcome the settlement flow can act on.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import stripe

from tableside.payments.processor import (
    ChargeOutcome,
    ChargeRequest,
    ChargeResult,
    ProcessorCharge,
    RefundOutcome,
    RefundResult,
)

if TYPE_CHECKING:
    from tableside.config import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPT_METADATA_KEY = "tableside_attempt"
REFUND_METADATA_KEY = "tableside_refund"
# Reconciling a 5xx lists PaymentIntents created since shortly before the call; the margin
# absorbs clock skew between this machine and the processor.
_CLOCK_SKEW_S = 600
_FIRST_RETRY_DELAY_S = 0.1
_MAX_RETRY_DELAY_S = 1.0
# Do not start a request with less than this left: it could not finish anyway.
_MIN_REQUEST_S = 0.05

MSG_TIMEOUT = (
    "The card processor did not answer in time, so the charge may or may not have gone"
    " through. Retry to find out; do not take another card yet."
)
MSG_IN_PROGRESS = (
    "The card processor is still working on this charge. Retry in a moment to see how it ended."
)
MSG_FAILED_NOTHING_CHARGED = "The card processor failed; nothing was charged."
MSG_FAILED_UNCONFIRMED = (
    "The card processor failed and could not confirm whether the card was charged."
    " Retry to find out; do not take another card yet."
)
MSG_BAD_CREDENTIALS = (
    "The card processor rejected Tableside's credentials; nothing was charged. Tell a manager."
)
MSG_BUSY = "The card processor is too busy right now; nothing was charged. Try again."


def charge_idempotency_key(attempt_id: str) -> str:
    """The processor idempotency key of a payment attempt (stable across retries)."""
    return f"tableside-charge-{attempt_id}"


def refund_idempotency_key(refund_id: str) -> str:
    """The processor idempotency key of a refund (stable across retries)."""
    return f"tableside-refund-{refund_id}"


def decline_message(decline_code: str | None) -> str:
    """What a server on the floor reads when the card is declined."""
    if decline_code in (None, "", "generic_decline", "card_declined"):
        return "The card was declined. Ask for another card."
    reason = decline_code.replace("_", " ")
    return f"The card was declined ({reason}). Ask for another card."


class ProcessorUnavailableError(RuntimeError):
    """The processor could not be asked (``charges()`` only; the other calls never raise)."""


# --------------------------------------------------------------------------------------
# Time budget: one deadline per public call, honoured by every HTTP request inside it
# --------------------------------------------------------------------------------------

_deadline: ContextVar[float | None] = ContextVar("tableside_processor_deadline", default=None)


def _remaining(fallback_s: float) -> float:
    deadline = _deadline.get()
    return fallback_s if deadline is None else deadline - time.monotonic()


def _connection_error(message: str, *, should_retry: bool) -> stripe.APIConnectionError:
    return stripe.APIConnectionError(message, should_retry=should_retry)  # type: ignore[no-untyped-call]


class _BudgetedHttpClient(stripe.HTTPClient):
    """The stripe library's transport, with each request's timeout set to the time left.

    The stock clients take one fixed timeout at construction; a retry or a follow-up
    lookup inside the same ``charge`` call must instead fit in what remains of its budget.
    """

    name = "tableside-httpx"

    def __init__(self, fallback_timeout_s: float) -> None:
        super().__init__()
        self._fallback_timeout_s = fallback_timeout_s
        # Same trust store as the stripe library's own clients.
        verify = ssl.create_default_context(cafile=stripe.ca_bundle_path)
        self._http = httpx.Client(verify=verify, follow_redirects=False)

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        remaining = _remaining(self._fallback_timeout_s)
        if remaining < _MIN_REQUEST_S:
            raise _connection_error(
                "Gave up before sending: the time budget for this processor call is spent.",
                should_retry=False,
            )
        try:
            response = self._http.request(
                method,
                url,
                headers=dict(headers or {}),
                content=post_data,
                timeout=httpx.Timeout(remaining),
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # The request never reached the processor.
            raise _connection_error(
                f"Could not connect to the card processor ({exc!r}).", should_retry=True
            ) from exc
        except httpx.HTTPError as exc:
            # Sent, maybe processed: only a retry with the same idempotency key is safe.
            raise _connection_error(
                f"No answer from the card processor ({exc!r}).", should_retry=False
            ) from exc
        return response.text, response.status_code, response.headers

    def close(self) -> None:
        self._http.close()


# --------------------------------------------------------------------------------------
# The adapter
# --------------------------------------------------------------------------------------


class StripeCardProcessor:
    """``CardProcessor`` over the Stripe API (or the emulator at ``base_url``)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout_s: float,
        *,
        page_size: int = 100,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be more than 0")
        self._timeout_s = timeout_s
        self._page_size = page_size
        self._http = _BudgetedHttpClient(timeout_s)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": base_url.rstrip("/")},
            # Retries are ours (see _with_retries): the library's would sleep past the budget.
            max_network_retries=0,
            http_client=self._http,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeCardProcessor:
        """The adapter for ``TABLESIDE_PROCESSOR_URL``, ``_STRIPE_API_KEY`` and ``_TIMEOUT_S``."""
        return cls(
            settings.effective_processor_url(),
            settings.stripe_api_key,
            settings.processor_timeout_s,
        )

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    # -- charge ------------------------------------------------------------------------

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge ``request.amount_cents`` once per attempt, within ``timeout_s``.

        Repeating it for the same ``attempt_id`` never charges twice (the processor
        idempotency key derives from the attempt). Answers CAPTURED, DECLINED, FAILED only
        when the processor confirmed nothing was charged, or UNKNOWN; never raises for
        processor trouble.
        """
        started_at = int(time.time())
        params: stripe.params.PaymentIntentCreateParams = {
            "amount": request.amount_cents,
            "currency": request.currency.lower(),
            "payment_method": request.payment_method,
            "confirm": True,
            # Card present at the table: no redirects, and a card that would need the
            # customer's extra authentication fails at once instead of waiting for it.
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "error_on_requires_action": True,
            "metadata": {**request.metadata, ATTEMPT_METADATA_KEY: request.attempt_id},
        }
        options: stripe.RequestOptions = {
            "idempotency_key": charge_idempotency_key(request.attempt_id)
        }
        with self._budget():
            try:
                intent = self._with_retries(
                    lambda: self._client.v1.payment_intents.create(params, options)
                )
            except stripe.CardError as exc:
                return _declined_from_card_error(exc)
            except stripe.IdempotencyError:
                # This attempt was sent before with other details. Whatever the processor
                # holds for it is the truth; nothing new was charged by this call.
                logger.error("attempt %s reused with different details", request.attempt_id)
                return self._settle_after_failure(request.attempt_id, started_at)
            except stripe.RateLimitError:
                return ChargeResult(ChargeOutcome.FAILED, message=MSG_BUSY)
            except (stripe.AuthenticationError, stripe.PermissionError):
                logger.error("the card processor rejected the API key")
                return ChargeResult(ChargeOutcome.FAILED, message=MSG_BAD_CREDENTIALS)
            except stripe.InvalidRequestError as exc:
                # Refused before execution (bad amount, unknown card, ...): nothing charged.
                return ChargeResult(
                    ChargeOutcome.FAILED,
                    message=f"The card processor refused the charge ({exc.user_message});"
                    " nothing was charged.",
                )
            except stripe.APIConnectionError:
                logger.warning("charge %s: no answer in time", request.attempt_id)
                return ChargeResult(ChargeOutcome.UNKNOWN, message=MSG_TIMEOUT)
            except stripe.APIError as exc:
                if exc.http_status == 409:
                    return ChargeResult(ChargeOutcome.UNKNOWN, message=MSG_IN_PROGRESS)
                if exc.http_status is not None and exc.http_status >= 500:
                    logger.warning("charge %s: processor error %s", request.attempt_id, exc)
                    return self._settle_after_failure(request.attempt_id, started_at)
                return ChargeResult(ChargeOutcome.UNKNOWN, message=MSG_FAILED_UNCONFIRMED)
            except Exception:  # never raise for processor trouble: the outcome is unknown
                logger.exception("charge %s: unexpected failure", request.attempt_id)
                return ChargeResult(ChargeOutcome.UNKNOWN, message=MSG_FAILED_UNCONFIRMED)
        return _result_from_intent(intent)

    def _settle_after_failure(self, attempt_id: str, started_at: int) -> ChargeResult:
        """After a 5xx: ask what the processor holds for the attempt (within the budget)."""
        try:
            found = self._find_attempt(attempt_id, created_since=started_at - _CLOCK_SKEW_S)
        except Exception:
            logger.warning("charge %s: could not confirm after a failure", attempt_id)
            return ChargeResult(ChargeOutcome.UNKNOWN, message=MSG_FAILED_UNCONFIRMED)
        if found is None:
            return ChargeResult(ChargeOutcome.FAILED, message=MSG_FAILED_NOTHING_CHARGED)
        return found

    # -- lookup --------------------------------------------------------------------------

    def lookup(self, attempt_id: str) -> ChargeResult | None:
        """What the processor holds for an attempt: None if nothing, else CAPTURED for money
        taken, DECLINED for a declined one, UNKNOWN while it is still processing or when the
        processor could not be asked."""
        with self._budget():
            try:
                return self._find_attempt(attempt_id, created_since=None)
            except Exception:
                logger.warning("lookup %s: the processor could not be asked", attempt_id)
                return ChargeResult(
                    ChargeOutcome.UNKNOWN,
                    message="The card processor could not be reached to check this payment.",
                )

    def _find_attempt(self, attempt_id: str, *, created_since: int | None) -> ChargeResult | None:
        escaped = attempt_id.replace("\\", "\\\\").replace("'", "\\'")
        found = self._with_retries(
            lambda: self._client.v1.payment_intents.search(
                {"query": f"metadata['{ATTEMPT_METADATA_KEY}']:'{escaped}'", "limit": 10}
            )
        )
        intents = list(found.data)
        if not intents and created_since is not None:
            # Stripe's search index may lag a write by seconds; a list is read-after-write
            # consistent, and the window since the call started is small.
            intents = self._recent_intents_for(attempt_id, created_since)
        return _result_from_intents(intents)

    def _recent_intents_for(
        self, attempt_id: str, created_since: int
    ) -> list[stripe.PaymentIntent]:
        page = self._with_retries(
            lambda: self._client.v1.payment_intents.list(
                {"limit": self._page_size, "created": {"gte": created_since}}
            )
        )
        matches = []
        while True:
            matches += [
                pi
                for pi in page.data
                if pi.metadata.to_dict().get(ATTEMPT_METADATA_KEY) == attempt_id
            ]
            if not page.has_more:
                return matches
            page = self._with_retries(page.next_page)

    # -- refund --------------------------------------------------------------------------

    def refund(self, refund_id: str, processor_payment_id: str, amount_cents: int) -> RefundResult:
        """Refund ``amount_cents`` of a captured payment once per ``refund_id``, within
        ``timeout_s``: REFUNDED, FAILED (the processor said no; nothing refunded) or UNKNOWN."""
        params: stripe.params.RefundCreateParams = {
            "payment_intent": processor_payment_id,
            "amount": amount_cents,
            "metadata": {REFUND_METADATA_KEY: refund_id},
        }
        options: stripe.RequestOptions = {"idempotency_key": refund_idempotency_key(refund_id)}
        with self._budget():
            try:
                refund = self._with_retries(lambda: self._client.v1.refunds.create(params, options))
            except (stripe.InvalidRequestError, stripe.CardError, stripe.RateLimitError) as exc:
                return RefundResult(
                    RefundOutcome.FAILED,
                    message=f"The card processor refused the refund: {exc.user_message}",
                )
            except (stripe.AuthenticationError, stripe.PermissionError):
                return RefundResult(RefundOutcome.FAILED, message=MSG_BAD_CREDENTIALS)
            except stripe.IdempotencyError:
                logger.error("refund %s reused with different details", refund_id)
                return self._settle_refund(refund_id, processor_payment_id)
            except stripe.APIError as exc:
                if exc.http_status is not None and exc.http_status >= 500:
                    return self._settle_refund(refund_id, processor_payment_id)
                return RefundResult(RefundOutcome.UNKNOWN, message=_REFUND_UNKNOWN)
            except Exception:  # connection trouble, or anything unexpected
                logger.warning("refund %s: outcome unknown", refund_id, exc_info=True)
                return RefundResult(RefundOutcome.UNKNOWN, message=_REFUND_UNKNOWN)
        return _result_from_refund(refund)

    def _settle_refund(self, refund_id: str, processor_payment_id: str) -> RefundResult:
        """After a failure: does the processor hold a refund made under this ``refund_id``?"""
        try:
            refunds = self._with_retries(
                lambda: self._client.v1.refunds.list(
                    {"payment_intent": processor_payment_id, "limit": 100}
                )
            )
            for refund in refunds.auto_paging_iter():
                if (
                    refund.metadata
                    and refund.metadata.to_dict().get(REFUND_METADATA_KEY) == refund_id
                ):
                    return _result_from_refund(refund)
        except Exception:
            return RefundResult(RefundOutcome.UNKNOWN, message=_REFUND_UNKNOWN)
        return RefundResult(
            RefundOutcome.FAILED, message="The card processor failed; nothing was refunded."
        )

    # -- reconciliation -------------------------------------------------------------------

    def charges(self) -> Iterator[ProcessorCharge]:
        """Every PaymentIntent with money taken, newest first, paged underneath.

        Each page gets its own ``timeout_s``. Raises ``ProcessorUnavailableError`` when a
        page cannot be fetched (an iterator cannot answer UNKNOWN).
        """
        params: stripe.params.PaymentIntentListParams = {
            "limit": self._page_size,
            "expand": ["data.latest_charge"],
        }
        page = self._fetch_page(lambda: self._client.v1.payment_intents.list(params))
        while True:
            for intent in page.data:
                if intent.status == "succeeded":
                    yield self._processor_charge(intent)
            if not page.has_more:
                return
            page = self._fetch_page(page.next_page)

    def _fetch_page(self, fetch: Callable[[], T]) -> T:
        with self._budget():
            try:
                return self._with_retries(fetch)
            except stripe.StripeError as exc:
                raise ProcessorUnavailableError(
                    f"Could not list the card processor's charges: {exc.user_message}"
                ) from exc

    def _processor_charge(self, intent: stripe.PaymentIntent) -> ProcessorCharge:
        charge = intent.latest_charge
        if isinstance(charge, str):  # a processor that ignored expand
            charge_id = charge
            charge = self._fetch_page(lambda: self._client.v1.charges.retrieve(charge_id))
        metadata = intent.metadata.to_dict()
        return ProcessorCharge(
            processor_payment_id=intent.id,
            attempt_id=metadata.get(ATTEMPT_METADATA_KEY),
            amount_cents=intent.amount_received,
            currency=intent.currency.upper(),
            captured=True,
            amount_refunded_cents=charge.amount_refunded if charge is not None else 0,
            metadata=metadata,
        )

    # -- plumbing -------------------------------------------------------------------------

    @contextmanager
    def _budget(self) -> Iterator[None]:
        """Give the enclosed requests ``timeout_s`` in total (an enclosing budget wins)."""
        if _deadline.get() is not None:
            yield
            return
        token = _deadline.set(time.monotonic() + self._timeout_s)
        try:
            yield
        finally:
            _deadline.reset(token)

    def _with_retries(self, call: Callable[[], T]) -> T:
        """Run ``call``, retrying while the budget allows when a retry is both safe and useful.

        Safe: every POST carries its idempotency key, so a repeat replays or resumes the
        first request. Useful: no answer at all, a 409 (the first request with the key is
        still running) or a 429. A 5xx is not retried: the processor replays it for the key.
        """
        delay = _FIRST_RETRY_DELAY_S
        while True:
            try:
                return call()
            except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
                error: stripe.StripeError = exc
            except stripe.APIError as exc:
                if exc.http_status != 409:
                    raise
                error = exc
            if _remaining(self._timeout_s) < delay + _MIN_REQUEST_S:
                raise error
            time.sleep(delay)
            delay = min(delay * 2, _MAX_RETRY_DELAY_S)


_REFUND_UNKNOWN = (
    "The card processor did not confirm the refund. Retry it; it will not refund twice."
)


def _declined_from_card_error(exc: stripe.CardError) -> ChargeResult:
    error = exc.error
    code = (error.decline_code if error else None) or exc.code
    intent = error.payment_intent if error else None
    return ChargeResult(
        ChargeOutcome.DECLINED,
        processor_payment_id=intent.id if intent else None,
        decline_code=code,
        message=decline_message(code),
    )


def _result_from_intent(intent: stripe.PaymentIntent) -> ChargeResult:
    status = intent.status
    if status == "succeeded":
        return ChargeResult(ChargeOutcome.CAPTURED, processor_payment_id=intent.id)
    if status in ("processing", "requires_capture"):
        # Money is on its way (or held): not final until it settles one way or the other.
        return ChargeResult(
            ChargeOutcome.UNKNOWN, processor_payment_id=intent.id, message=MSG_IN_PROGRESS
        )
    error = intent.last_payment_error
    code = (error.decline_code or error.code) if error else None
    if status in ("requires_action", "requires_confirmation"):
        code = code or "authentication_required"
    return ChargeResult(
        ChargeOutcome.DECLINED,
        processor_payment_id=intent.id,
        decline_code=code,
        message=decline_message(code),
    )


def _result_from_intents(intents: list[stripe.PaymentIntent]) -> ChargeResult | None:
    """One attempt normally has one PaymentIntent; if there are more, money taken wins."""
    if not intents:
        return None
    results = [_result_from_intent(pi) for pi in intents]
    for outcome in (ChargeOutcome.CAPTURED, ChargeOutcome.UNKNOWN):
        for result in results:
            if result.outcome is outcome:
                return result
    return results[0]


def _result_from_refund(refund: stripe.Refund) -> RefundResult:
    # "pending" is accepted and on its way back to the card: refunded as far as we can act.
    if refund.status in ("succeeded", "pending"):
        return RefundResult(RefundOutcome.REFUNDED, processor_refund_id=refund.id)
    if refund.status in ("failed", "canceled"):
        return RefundResult(
            RefundOutcome.FAILED,
            processor_refund_id=refund.id,
            message="The card processor could not refund this card.",
        )
    return RefundResult(
        RefundOutcome.UNKNOWN, processor_refund_id=refund.id, message=_REFUND_UNKNOWN
    )
