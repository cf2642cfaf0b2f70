from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.core.ids import USCC_CHARSET, is_valid_uscc, make_uscc, valid_uscc


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


def _column_check(codes: list[str | None]) -> list[bool]:
    return (
        pl.DataFrame({"c": codes}, schema={"c": pl.String})
        .select(valid_uscc(pl.col("c")))["c"]
        .to_list()
    )


@given(
    st.lists(
        st.integers(0, 999_999).map(lambda n: make_uscc("339901", n))
        | st.text(alphabet=USCC_CHARSET + "IOSVZa-", min_size=0, max_size=19),
        max_size=20,
    ),
    st.integers(0, 17),
    st.sampled_from(USCC_CHARSET + "IOZ"),
)
def test_the_column_check_agrees_with_the_row_check(codes: list[str], pos: int, char: str) -> None:
    changed = [c[:pos] + char + c[pos + 1 :] for c in codes]
    together = [*codes, *changed]
    assert _column_check(together) == [is_valid_uscc(c) for c in together]


def test_the_column_check_on_known_codes() -> None:
    good = make_uscc("330502", 42)
    bad_org = good[:16] + ("0" if good[16] != "0" else "1") + good[17]
    assert _column_check([good, bad_org, good.lower(), "", None, good + "0"]) == [
        True,
        False,
        False,
        False,
        False,
        False,
    ]
