"""Reading request parameters into typed values, answering bad input as Stripe does.

Every form value arrives as a string (see ``forms``). The generic readers check a
parameter's type and limits (``read_int``, ``read_metadata``, ``read_expand``, ...);
``parse_new_payment_intent`` and ``created_filter`` read the whole parameter set of
creating a PaymentIntent and of the ``created`` list filter. Each raises a
``StripeApiError`` naming the offending parameter.
"""

from __future__ import annotations

import re

from processor_emulator.cards import TEST_CARDS
from processor_emulator.errors import JsonObject, invalid, missing_resource
from processor_emulator.ledger import NewPaymentIntent

_INTEGER = re.compile(r"-?[0-9]{1,18}")


def check_known(params: JsonObject, known: set[str]) -> None:
    for name in params:
        if name not in known:
            raise invalid(
                f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
            )


def read_int(params: JsonObject, name: str, *, required: bool = False) -> int | None:
    raw = params.get(name)
    if raw is None:
        if required:
            raise invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    if not isinstance(raw, str) or not _INTEGER.fullmatch(raw):
        raise invalid(f"Invalid integer: {raw}", param=name, code="parameter_invalid_integer")
    return int(raw)


def read_str(params: JsonObject, name: str, *, required: bool = False) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    if not isinstance(raw, str):
        raise invalid(f"Invalid string: {name}", param=name)
    return raw


def read_bool(params: JsonObject, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise invalid(f"Invalid boolean: {raw}", param=name)
    return bool(raw == "true")


def read_str_list(params: JsonObject, name: str) -> list[str] | None:
    raw = params.get(name)
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise invalid(f"Invalid array: {name}", param=name)
    return list(raw)


def read_metadata(params: JsonObject) -> dict[str, str]:
    raw = params.get("metadata")
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise invalid("Invalid object", param="metadata")
    # Stripe's documented limits; the emulator enforces them so nothing works here that
    # would fail against the real service.
    if len(raw) > 50:
        raise invalid("You can only have up to 50 metadata keys.", param="metadata")
    for key, value in raw.items():
        if len(key) > 40:
            raise invalid(
                f"Metadata keys must be at most 40 characters ({key!r}).", param=f"metadata[{key}]"
            )
        if len(value) > 500:
            raise invalid(
                "Metadata values must be at most 500 characters.", param=f"metadata[{key}]"
            )
    return {k: v for k, v in raw.items() if v != ""}  # "" unsets a key on Stripe


def read_expand(params: JsonObject, *, allowed: set[str]) -> set[str]:
    fields = set(read_str_list(params, "expand") or [])
    for item in fields:
        if item not in allowed:
            raise invalid(f"This property cannot be expanded ({item}).", param="expand")
    return fields


def read_page_limit(params: JsonObject) -> int:
    limit = read_int(params, "limit")
    if limit is None:
        return 10
    if not 1 <= limit <= 100:
        raise invalid("Invalid integer: limit must be between 1 and 100.", param="limit")
    return limit


def parse_new_payment_intent(params: JsonObject) -> NewPaymentIntent:
    """The parameters of ``POST /v1/payment_intents`` (which must confirm at once)."""
    check_known(
        params,
        {
            "amount",
            "currency",
            "confirm",
            "payment_method",
            "payment_method_types",
            "allowed_payment_method_types",
            "automatic_payment_methods",
            "error_on_requires_action",
            "capture_method",
            "metadata",
            "description",
            "return_url",
            "expand",
        },
    )
    amount = read_int(params, "amount", required=True)
    assert amount is not None
    if amount < 1:
        raise invalid("This value must be greater than or equal to 1.", param="amount")
    if amount > 99_999_999:
        raise invalid(
            "Amount must be no more than $999,999.99", param="amount", code="amount_too_large"
        )
    currency = read_str(params, "currency", required=True)
    assert currency is not None
    if len(currency) != 3 or not currency.isalpha():
        raise invalid(f"Invalid currency: {currency.lower()}.", param="currency")
    if read_bool(params, "confirm") is not True:
        raise invalid(
            "The emulator only supports creating PaymentIntents with confirm=true.",
            param="confirm",
        )
    token = read_str(params, "payment_method", required=True)
    assert token is not None
    card = TEST_CARDS.get(token)
    if card is None:
        raise missing_resource("PaymentMethod", token, param="payment_method")
    # Older API versions call it payment_method_types, newer ones allowed_payment_method_types.
    types_param = next(
        (n for n in ("allowed_payment_method_types", "payment_method_types") if n in params),
        "payment_method_types",
    )
    types = read_str_list(params, types_param)
    apm_raw = params.get("automatic_payment_methods")
    apm: JsonObject | None = None
    if apm_raw is not None:
        if not isinstance(apm_raw, dict):
            raise invalid("Invalid object", param="automatic_payment_methods")
        check_known(apm_raw, {"enabled", "allow_redirects"})
        enabled = read_bool(apm_raw, "enabled")
        redirects = read_str(apm_raw, "allow_redirects") or "always"
        if redirects not in ("always", "never"):
            raise invalid("Invalid allow_redirects", param="automatic_payment_methods")
        if enabled and redirects != "never" and read_str(params, "return_url") is None:
            # What Stripe says when redirects are allowed but nowhere to return to is given.
            raise invalid(
                "This PaymentIntent is configured to accept payment methods that may redirect;"
                " provide a return_url or set automatic_payment_methods[allow_redirects]=never.",
                param="return_url",
            )
        apm = {"enabled": bool(enabled), "allow_redirects": redirects}
    if types is not None and apm is not None:
        raise invalid(
            f"You may only specify one of these parameters: automatic_payment_methods,"
            f" {types_param}.",
            param=types_param,
        )
    if types is not None and "card" not in types:
        raise invalid(
            f"The PaymentMethod provided (card) is not allowed by {types_param}.",
            param=types_param,
        )
    # The test cards never ask for 3-D Secure, so error_on_requires_action changes nothing.
    read_bool(params, "error_on_requires_action")
    capture_method = read_str(params, "capture_method") or "automatic_async"
    if capture_method not in ("automatic", "automatic_async"):
        raise invalid(
            "The emulator only captures automatically (capture_method=automatic).",
            param="capture_method",
        )
    return NewPaymentIntent(
        amount=amount,
        currency=currency.lower(),
        payment_method_token=token,
        card=card,
        payment_method_types=types or ["card"],
        automatic_payment_methods=apm,
        capture_method=capture_method,
        metadata=read_metadata(params),
        description=read_str(params, "description"),
        expand_charge="latest_charge" in read_expand(params, allowed={"latest_charge"}),
    )


def created_filter(params: JsonObject) -> dict[str, int]:
    """The ``created`` list filter: ``created=T`` or ``created[gt|gte|lt|lte]=T``."""
    raw = params.get("created")
    if raw is None:
        return {}
    if isinstance(raw, str):
        value = read_int(params, "created")
        assert value is not None
        return {"eq": value}
    if not isinstance(raw, dict):
        raise invalid("Invalid created filter", param="created")
    check_known(raw, {"gt", "gte", "lt", "lte"})
    result = {}
    for op in raw:
        value = read_int(raw, op)
        assert value is not None
        result[op] = value
    return result
