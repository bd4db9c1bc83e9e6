"""The search query language: ``metadata['k']:'v' AND status:'succeeded'``.

``parse_search_query`` reads the subset of Stripe's search syntax the emulator supports
into ``SearchClause`` values, which the ledger turns into SQL conditions.
"""

from __future__ import annotations

from dataclasses import dataclass

from processor_emulator.errors import invalid


@dataclass(frozen=True)
class SearchClause:
    field: str  # "metadata", "status", "currency" or "amount"
    key: str | None  # the metadata key for field == "metadata"
    value: str


_SEARCH_FIELDS = {"status", "currency", "amount"}


def parse_search_query(query: str) -> list[SearchClause]:
    """Parse the subset of Stripe's search syntax the emulator supports: exact-match clauses
    on ``metadata['key']``, ``status``, ``currency`` and ``amount`` joined by ``AND``."""
    clauses: list[SearchClause] = []
    pos = 0

    def skip_spaces() -> None:
        nonlocal pos
        while pos < len(query) and query[pos].isspace():
            pos += 1

    def quoted() -> str:
        nonlocal pos
        if pos >= len(query) or query[pos] not in "'\"":
            raise invalid(f"Expected a quoted string at position {pos} of the query.")
        quote, pos, chars = query[pos], pos + 1, []
        while pos < len(query) and query[pos] != quote:
            if query[pos] == "\\" and pos + 1 < len(query):
                pos += 1
            chars.append(query[pos])
            pos += 1
        if pos >= len(query):
            raise invalid("Unterminated string in the query.")
        pos += 1
        return "".join(chars)

    while True:
        skip_spaces()
        key: str | None = None
        if query.startswith("metadata[", pos):
            pos += len("metadata[")
            key = quoted()
            if not query.startswith("]", pos):
                raise invalid("Expected ']' after the metadata key in the query.")
            pos += 1
            field = "metadata"
        else:
            start = pos
            while pos < len(query) and (query[pos].isalnum() or query[pos] == "_"):
                pos += 1
            field = query[start:pos]
            if field not in _SEARCH_FIELDS:
                raise invalid(
                    f"The emulator cannot search on {field or query[start:]!r}.", param="query"
                )
        skip_spaces()
        if not query.startswith(":", pos):
            raise invalid("Only exact-match (':') clauses are supported.", param="query")
        pos += 1
        skip_spaces()
        if pos < len(query) and query[pos].isdigit():
            start = pos
            while pos < len(query) and query[pos].isdigit():
                pos += 1
            value = query[start:pos]
        else:
            value = quoted()
        if field == "amount" and not value.isdigit():
            raise invalid("amount must be compared with an integer.", param="query")
        clauses.append(SearchClause(field, key, value))
        skip_spaces()
        if pos >= len(query):
            return clauses
        if not query.startswith("AND", pos):
            raise invalid("Clauses must be joined with AND.", param="query")
        pos += 3
