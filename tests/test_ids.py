from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from citycarbon.core.ids import USCC_CHARSET, is_valid_uscc, make_uscc


@given(st.sampled_from(["339901", "330502", "110101"]), st.integers(0, 999_999))
def test_made_codes_are_valid(division: str, serial: int) -> None:
    code = make_uscc(division, serial)
    assert len(code) == 18
    assert code[2:8] == division
    assert is_valid_uscc(code)


@given(st.integers(0, 999_999), st.integers(0, 17), st.sampled_from(USCC_CHARSET))
def test_one_changed_character_is_caught(serial: int, pos: int, char: str) -> None:
    code = make_uscc("339901", serial)
    changed = code[:pos] + char + code[pos + 1 :]
    assert is_valid_uscc(changed) == (changed == code)


def test_malformed_codes() -> None:
    assert not is_valid_uscc("")
    assert not is_valid_uscc("91330500MA2B3C4D5")
    assert not is_valid_uscc("91330500ma28c0de5x")
