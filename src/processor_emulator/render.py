"""Ledger rows rendered in Stripe's JSON shapes, and Stripe-style object ids.

PaymentIntents, their charge and payment method, refunds, and the ``card_error`` a declined
PaymentIntent answers with, as the official ``stripe`` library expects to read them.
"""

from __future__ import annotations

import json
import secrets
import sqlite3

from processor_emulator.cards import DECLINE_MESSAGES
from processor_emulator.errors import JsonObject, StripeApiError


def new_id(prefix: str) -> str:
    """A fresh id in Stripe's style: ``pi_…``, ``ch_…``, ``re_…``, ``req_…``."""
    return f"{prefix}_{secrets.token_urlsafe(18).replace('-', 'x').replace('_', 'z')[:24]}"


def _render_payment_method(pi: sqlite3.Row) -> JsonObject:
    return {
        "id": pi["payment_method_id"],
        "object": "payment_method",
        "type": "card",
        "card": {"brand": pi["card_brand"], "last4": pi["card_last4"]},
        "livemode": False,
    }


def render_charge(pi: sqlite3.Row) -> JsonObject:
    succeeded = pi["status"] == "succeeded"
    decline_code = pi["decline_code"]
    return {
        "id": pi["charge_id"],
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"] if succeeded else 0,
        "amount_refunded": pi["amount_refunded"],
        "balance_transaction": None,
        "captured": succeeded,
        "created": pi["created"],
        "currency": pi["currency"],
        "description": pi["description"],
        "failure_code": None if succeeded else "card_declined",
        "failure_message": None if succeeded else DECLINE_MESSAGES.get(decline_code),
        "livemode": False,
        "metadata": json.loads(pi["metadata"]),
        "outcome": {
            "network_status": "approved_by_network" if succeeded else "declined_by_network",
            "reason": decline_code,
            "seller_message": "Payment complete." if succeeded else "The bank declined it.",
            "type": "authorized" if succeeded else "issuer_declined",
        },
        "paid": succeeded,
        "payment_intent": pi["id"],
        "payment_method": pi["payment_method_id"],
        "refunded": succeeded and pi["amount_refunded"] >= pi["amount"],
        "status": "succeeded" if succeeded else "failed",
    }


def _last_payment_error(pi: sqlite3.Row) -> JsonObject | None:
    code = pi["decline_code"]
    if code is None:
        return None
    return {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": code,
        "message": DECLINE_MESSAGES.get(code, "Your card was declined."),
        "charge": pi["charge_id"],
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "payment_method": _render_payment_method(pi),
    }


def render_payment_intent(pi: sqlite3.Row, *, expand_charge: bool = False) -> JsonObject:
    succeeded = pi["status"] == "succeeded"
    apm = pi["automatic_payment_methods"]
    return {
        "id": pi["id"],
        "object": "payment_intent",
        "amount": pi["amount"],
        "amount_capturable": 0,
        "amount_received": pi["amount"] if succeeded else 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": json.loads(apm) if apm else None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": pi["capture_method"],
        "client_secret": pi["client_secret"],
        "confirmation_method": "automatic",
        "created": pi["created"],
        "currency": pi["currency"],
        "customer": None,
        "description": pi["description"],
        "last_payment_error": _last_payment_error(pi),
        "latest_charge": render_charge(pi) if expand_charge else pi["charge_id"],
        "livemode": False,
        "metadata": json.loads(pi["metadata"]),
        "next_action": None,
        "on_behalf_of": None,
        # A declined attempt detaches the card, as on Stripe: the PI wants a new one.
        "payment_method": pi["payment_method_id"] if succeeded else None,
        "payment_method_types": json.loads(pi["payment_method_types"]),
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": pi["status"],
        "transfer_data": None,
        "transfer_group": None,
    }


def render_refund(refund: sqlite3.Row) -> JsonObject:
    return {
        "id": refund["id"],
        "object": "refund",
        "amount": refund["amount"],
        "balance_transaction": None,
        "charge": refund["charge_id"],
        "created": refund["created"],
        "currency": refund["currency"],
        "metadata": json.loads(refund["metadata"]),
        "payment_intent": refund["payment_intent"],
        "reason": refund["reason"],
        "status": "succeeded",
    }


def decline_error(pi: sqlite3.Row) -> StripeApiError:
    """The 402 ``card_error`` a declined PaymentIntent is answered with."""
    lpe = _last_payment_error(pi)
    assert lpe is not None
    return StripeApiError(
        402,
        "card_error",
        lpe["message"],
        code="card_declined",
        extra={
            "decline_code": lpe["decline_code"],
            "charge": pi["charge_id"],
            "doc_url": lpe["doc_url"],
            "payment_intent": render_payment_intent(pi),
            "payment_method": lpe["payment_method"],
        },
        should_retry=False,
    )
