"""The guest a check without a table is for: a takeout is called by a name, a dine-in check
goes by its table, and what staff typed is tidied, never trusted as it came."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tableside.checks.rules import GUEST_NAME_MAX, CheckType, guest_of
from tableside.core.errors import InvalidRequest


def test_a_takeouts_name_is_tidied_to_one_line_and_its_phone_kept() -> None:
    assert guest_of(CheckType.TAKEOUT, "  Maria \n Lopez ", " 555-0142 ") == (
        "Maria Lopez",
        "555-0142",
    )
    assert guest_of(CheckType.TAKEOUT, "Kim", None) == ("Kim", None)
    assert guest_of(CheckType.TAKEOUT, "Kim", "   ") == ("Kim", None)


@pytest.mark.parametrize("name", [None, "", "   \t"])
def test_a_takeout_without_a_name_is_refused(name: str | None) -> None:
    with pytest.raises(InvalidRequest) as refused:
        guest_of(CheckType.TAKEOUT, name, None)
    assert refused.value.code == "guest_name_required"


def test_online_and_kiosk_may_go_by_their_number_and_dine_in_takes_no_guest() -> None:
    assert guest_of(CheckType.ONLINE, None, None) == (None, None)
    assert guest_of(CheckType.KIOSK, "Ana", None) == ("Ana", None)
    assert guest_of(CheckType.DINE_IN, None, None) == (None, None)
    with pytest.raises(InvalidRequest):
        guest_of(CheckType.DINE_IN, "Ana", None)


@pytest.mark.parametrize("phone", ["call me", "12", "+1 (555) 014-2" + "2" * 30, "555\x000142"])
def test_a_phone_that_is_not_one_is_refused(phone: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        guest_of(CheckType.TAKEOUT, "Kim", phone)
    assert refused.value.code == "invalid_phone"


@given(st.text(max_size=120))
def test_whatever_is_typed_a_name_kept_is_one_tidy_line_within_the_limit(name: str) -> None:
    try:
        kept, _ = guest_of(CheckType.TAKEOUT, name, None)
    except InvalidRequest:
        return
    assert kept is not None
    assert kept == " ".join(kept.split()) and 0 < len(kept) <= GUEST_NAME_MAX
    assert not any(unicodedata.category(c) == "Cc" for c in kept)  # no control character
