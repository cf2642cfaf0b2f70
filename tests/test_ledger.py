"""The shared ledger core: exact amounts, balances, refusal below zero, reversals, the
running-balance frame and the hash chain — small ledgers by hand, then properties."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.core.ledger import (
    Entry,
    LedgerError,
    Unit,
    balances,
    chain,
    from_minor,
    heads,
    post,
    reversal,
    root,
    running_balance,
    to_minor,
    verify_chain,
    would_go_negative,
)

TCE = Unit("tce", 4)
D = Decimal


def _e(seq: int, account: str, amount: str, kind: str = "closure", **kw: object) -> Entry:
    return Entry(seq, account, D(amount), kind, **kw)  # type: ignore[arg-type]


HAND = [
    _e(1, "A", "1200.5"),
    _e(2, "B", "300"),
    _e(3, "A", "-1000.25", "allocation", reference="项目甲"),
    _e(4, "A", "0.0001", "retrofit"),
]


def test_balances_are_the_sums_by_hand() -> None:
    assert balances(HAND) == {"A": D("200.2501"), "B": D("300")}


def test_unit_takes_exact_amounts_only() -> None:
    assert TCE.exact("1.5") == D("1.5000")
    assert TCE.exact(3) == D("3.0000")
    with pytest.raises(LedgerError):
        TCE.exact(0.1)  # type: ignore[arg-type]
    with pytest.raises(LedgerError):
        TCE.exact("0.00001")
    with pytest.raises(LedgerError):
        TCE.exact("NaN")


def test_a_posting_to_exactly_zero_is_accepted() -> None:
    done, refused = post(HAND, [_e(5, "A", "-200.2501", "allocation")], TCE)
    assert refused == []
    assert balances(done)["A"] == 0


def test_a_posting_one_minor_unit_below_zero_is_refused_whole() -> None:
    batch = [_e(5, "B", "-10", "allocation"), _e(6, "A", "-200.2502", "allocation")]
    done, refused = post(HAND, batch, TCE)
    assert done == tuple(HAND)
    assert [(r.account, r.seq) for r in refused] == [("A", 6)]
    assert "余额不足" in refused[0].reason and "insufficient" in refused[0].reason


def test_a_batch_may_not_dip_below_zero_on_the_way() -> None:
    batch = [_e(5, "B", "-301", "allocation"), _e(6, "B", "+5")]
    assert [r.seq for r in would_go_negative(balances(HAND), batch)] == [5]


def test_inexact_and_out_of_order_entries_are_refused() -> None:
    _done, refused = post(HAND, [_e(5, "A", "0.00005")], TCE)
    assert refused and "decimal places" in refused[0].reason
    _done, refused = post(HAND, [_e(4, "A", "1")], TCE)
    assert refused and "seq" in refused[0].reason


def test_a_reversal_undoes_exactly_once() -> None:
    undo = reversal(HAND[2], 5, "录入错误")
    assert undo.amount == D("1000.25") and undo.reverses == 3 and undo.account == "A"
    done, refused = post(HAND, [undo], TCE)
    assert refused == []
    assert balances(done)["A"] == D("1200.5001")
    _again, refused = post(done, [reversal(HAND[2], 6)], TCE)
    assert refused and "already reversed" in refused[0].reason
    _twice, refused = post(done, [reversal(undo, 6)], TCE)
    assert refused and "itself a reversal" in refused[0].reason


def test_a_reversal_must_mirror_its_entry() -> None:
    wrong = Entry(5, "A", D("999"), "reversal", reverses=3)
    _done, refused = post(HAND, [wrong], TCE)
    assert refused and "1000.25" in refused[0].reason
    _done, refused = post(HAND, [Entry(5, "A", D("1"), "reversal", reverses=99)], TCE)
    assert refused and "no entry 99" in refused[0].reason


def test_reversing_a_source_already_allocated_is_refused() -> None:
    # A's 1200.5 was freed, 1000.25 of it allocated: un-freeing it would go below zero.
    _done, refused = post(HAND, [reversal(HAND[0], 5)], TCE)
    assert [r.seq for r in refused] == [5]


def test_running_balance_frame_in_minor_units() -> None:
    frame = running_balance(HAND, TCE)
    assert frame["balance_minor"].to_list() == [12005000, 3000000, 2002500, 2002501]
    assert frame["amount_minor"].dtype.is_integer()
    assert from_minor(frame["balance_minor"][-1], TCE) == D("200.2501")
    assert to_minor(D("0.0001"), TCE) == 1


def test_the_chain_finds_an_edited_entry() -> None:
    hashes = chain(HAND, TCE)
    assert verify_chain(HAND, hashes, TCE) == []
    edited = [*HAND[:2], _e(3, "A", "-1000.24", "allocation", reference="项目甲"), HAND[3]]
    assert verify_chain(edited, hashes, TCE) == [3, 4]
    assert verify_chain([HAND[0], HAND[1], HAND[3]], [hashes[0], hashes[1], hashes[3]], TCE) == [4]


# --- properties ------------------------------------------------------------------------------

AMOUNTS = st.integers(min_value=-5_000_000, max_value=5_000_000).map(lambda m: from_minor(m, TCE))
POSTINGS = st.lists(st.tuples(st.sampled_from("ABC"), AMOUNTS), max_size=40)


def _apply(postings: list[tuple[str, Decimal]]) -> tuple[tuple[Entry, ...], list[Entry]]:
    ledger: tuple[Entry, ...] = ()
    tried = []
    for i, (account, amount) in enumerate(postings, start=1):
        entry = Entry(i, account, amount, "closure" if amount >= 0 else "allocation")
        tried.append(entry)
        ledger, _refused = post(ledger, [entry], TCE)
    return ledger, tried


@given(POSTINGS)
def test_no_accepted_sequence_leaves_a_balance_below_zero(
    postings: list[tuple[str, Decimal]],
) -> None:
    ledger, tried = _apply(postings)
    frame = running_balance(ledger, TCE)
    assert (frame["balance_minor"] >= 0).all()
    assert all(v >= 0 for v in balances(ledger).values())
    # every positive posting is accepted; a negative one only when covered
    assert all(e in ledger for e in tried if e.amount >= 0)


@given(POSTINGS)
def test_the_balance_is_the_sum_of_the_entries(postings: list[tuple[str, Decimal]]) -> None:
    ledger, _tried = _apply(postings)
    found = balances(ledger)
    for account in "ABC":
        total = sum((e.amount for e in ledger if e.account == account), D(0))
        assert found.get(account, D(0)) == total
    frame = running_balance(ledger, TCE)
    last = frame.group_by("account").agg(pl.col("balance_minor").last())
    for account, minor in last.iter_rows():
        assert from_minor(minor, TCE) == found[account]


@given(POSTINGS, st.data())
def test_a_reversal_brings_the_balance_back_exactly(
    postings: list[tuple[str, Decimal]], data: st.DataObject
) -> None:
    ledger, _tried = _apply(postings)
    negatives = [e for e in ledger if e.amount < 0]
    if not negatives:
        return
    target = data.draw(st.sampled_from(negatives))
    before = balances(ledger)
    done, refused = post(ledger, [reversal(target, len(postings) + 1)], TCE)
    assert refused == []
    after = balances(done)
    assert after[target.account] == before[target.account] - target.amount
    assert {a: v for a, v in after.items() if a != target.account} == {
        a: v for a, v in before.items() if a != target.account
    }


def test_the_root_fixes_every_account_s_chain() -> None:
    hashes = chain(HAND, TCE)
    top = heads(HAND, hashes)
    assert top == {"A": hashes[3], "B": hashes[1]}
    assert root(top) == root(dict(reversed(list(top.items()))))  # order of accounts is fixed
    edited = [*HAND[:3], _e(4, "A", "0.0002", "retrofit")]
    assert root(heads(edited, chain(edited, TCE))) != root(top)


@given(POSTINGS, st.data())
def test_verify_finds_every_single_entry_tamper(
    postings: list[tuple[str, Decimal]], data: st.DataObject
) -> None:
    ledger, _tried = _apply(postings)
    if not ledger:
        return
    hashes = chain(ledger, TCE)
    i = data.draw(st.integers(0, len(ledger) - 1))
    delta = data.draw(st.integers(1, 1000).map(lambda m: from_minor(m, TCE)))
    tampered = list(ledger)
    tampered[i] = Entry(ledger[i].seq, ledger[i].account, ledger[i].amount + delta, ledger[i].kind)
    assert ledger[i].seq in verify_chain(tampered, hashes, TCE)
    if len(ledger) > 1:  # a deleted entry shows too
        kept = [e for k, e in enumerate(ledger) if k != i]
        kept_hashes = [h for k, h in enumerate(hashes) if k != i]
        later = [e for e in ledger[i + 1 :] if e.account == ledger[i].account]
        if later:
            assert later[0].seq in verify_chain(kept, kept_hashes, TCE)
