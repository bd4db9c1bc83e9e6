"""Decoding Stripe's form encoding: nested keys like ``metadata[k]=v`` and ``expand[0]=x``.

Stripe clients send parameters as flat form pairs whose keys carry the nesting in brackets;
``decode_form`` rebuilds the nested object, turning levels whose keys are all numbers (or
``[]`` appends) into lists. Values stay strings: the readers in ``readers`` type them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from processor_emulator.errors import JsonObject, invalid


def decode_form(pairs: Iterable[tuple[str, str]]) -> JsonObject:
    """Turn form pairs with bracketed keys into nested dicts; all-numeric levels become lists."""
    root: JsonObject = {}
    for raw_key, value in pairs:
        path = _split_key(raw_key)
        node = root
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if part == "":  # "expand[]" style: append
                part = str(len(node))
            if last:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise invalid(f"Invalid parameter: {raw_key}", param=raw_key)
                node = child
    result = _listify(root)
    assert isinstance(result, dict)
    return result


def _split_key(key: str) -> list[str]:
    head, sep, rest = key.partition("[")
    if not sep:
        return [key]
    parts = [head]
    for piece in ("[" + rest).split("[")[1:]:
        if not piece.endswith("]"):
            raise invalid(f"Invalid parameter: {key}", param=key)
        parts.append(piece[:-1])
    return parts


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted
