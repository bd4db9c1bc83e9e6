"""What the OpenAPI document says of a guest's name and phone is what the server takes: the
patterns it publishes accept exactly the names and phones the server's rules accept, for
any text a guest's keyboard, a paste or a fuzzer can produce."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from tableside.checks.rules import (
    GUEST_NAME_PATTERN,
    GUEST_NAME_REQUIRED_PATTERN,
    GUEST_PHONE_PATTERN,
    CheckType,
    guest_of,
)
from tableside.core.errors import InvalidRequest

# Letters, digits and punctuation, every blank there is, and the controls around them.
TRICKY = (
    "aZ09+-().#é漢 \t\n\x0b\x0c\r\x00\x01\x1c\x1f\x7f\x85\x9f"
    "\xa0\u1680\u2005\u2028\u202f\u3000\ufeff\u200b"
)
texts = st.text(alphabet=st.sampled_from(TRICKY), max_size=12)


def takes(check_type: CheckType, name: str | None, phone: str | None) -> bool:
    try:
        guest_of(check_type, name, phone)
    except InvalidRequest:
        return False
    return True


@given(texts)
@example("\ufeff")
@example("\x1c")
@example("\u200b")
def test_a_takeouts_name_is_taken_exactly_when_the_document_says_so(name: str) -> None:
    assert takes(CheckType.TAKEOUT, name, None) == bool(
        re.fullmatch(GUEST_NAME_REQUIRED_PATTERN, name)
    )


@given(texts)
def test_an_online_orders_name_may_be_blank_but_never_holds_a_control_character(
    name: str,
) -> None:
    assert takes(CheckType.ONLINE, name, None) == bool(re.fullmatch(GUEST_NAME_PATTERN, name))


@given(texts)
@example("()")
@example(" 1 2 3 ")
@example("12")
def test_a_phone_is_taken_exactly_when_the_document_says_so(phone: str) -> None:
    assert takes(CheckType.TAKEOUT, "Sam", phone) == bool(re.fullmatch(GUEST_PHONE_PATTERN, phone))
