"""An append-only ledger of exact quantities (台账): the shared core of the energy-use space
ledger (腾出用能空间, seeds-inventory D10, N2), and of the points, sink-credit and account
ledgers that reuse it.

A ledger holds one unit (``Unit``: a name such as ``tce`` and a fixed number of decimal
places). Every amount is a ``Decimal`` with at most that many places — never a float, never
rounded here: an amount finer than the unit is an error, not something to round away.

Entries are immutable and only ever appended. A correction is a reversal: a new entry of the
opposite amount that names the entry it reverses (each entry at most once; a reversal is
not itself reversed). No accepted posting leaves any account below zero: ``post`` checks
the whole batch and takes all of it or none of it (beancount's habit: errors are values).

Each entry may carry the hash of the previous entry of its account (``entry_hash``), so an
edited, deleted or reordered entry is detectable (``verify_chain``; DESIGN, "Writes, audit
and integrity").

Frames (``running_balance``) hold amounts as Int64 *minor units* (amount × 10^places): exact,
fast and plain for Polars, Arrow, Parquet and Spark alike, and what the points and gram
ledgers hold anyway (DESIGN, Data conventions). ``to_minor`` / ``from_minor`` convert at the
edge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

REVERSAL = "reversal"
"""Kinds are free strings chosen by the ledger's user; these name corrections."""
CORRECTION_KINDS = frozenset({REVERSAL, "release"})
"""Kinds that reverse an earlier entry (a released reservation is a reversal too)."""

GENESIS = "0" * 64
"""The ``previous_hash`` of an account's first entry."""


class LedgerError(ValueError):
    """An amount the unit cannot hold exactly (a float, too many decimal places)."""


@dataclass(frozen=True)
class Unit:
    """The unit of a ledger: ``name`` (``tce``, ``point``, ``g``) and the decimal places it
    holds (4 for tce: 0.1 kgce; 0 for points and grams)."""

    name: str
    places: int

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)

    def exact(self, value: Decimal | int | str) -> Decimal:
        """``value`` as a Decimal of this unit's places; ``LedgerError`` if it is a float,
        not finite, or finer than the unit (nothing is rounded)."""
        if isinstance(value, float | bool):
            msg = (
                f"{value!r}: a ledger takes Decimal, int or str, never float / 台账数量不可用浮点数"
            )
            raise LedgerError(msg)
        amount = Decimal(value)
        if not amount.is_finite():
            msg = f"{value!r} is not a finite number / 不是有限数"
            raise LedgerError(msg)
        exact = amount.quantize(self.quantum)
        if exact != amount:
            msg = (
                f"{value} has more than {self.places} decimal places of {self.name} / "
                f"{value} 超过 {self.name} 的 {self.places} 位小数"
            )
            raise LedgerError(msg)
        return exact


@dataclass(frozen=True)
class Entry:
    """One posting: ``amount`` (signed; positive adds to ``account``) of ``kind``, in ledger
    order ``seq`` (unique, increasing); ``reverses`` the ``seq`` of the entry a reversal undoes;
    ``reference`` what it comes from or goes to (evidence, project)."""

    seq: int
    account: str
    amount: Decimal
    kind: str
    reference: str = ""
    reverses: int | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a batch was refused, in Chinese and English; ``account`` and ``seq`` point at it."""

    account: str
    seq: int
    reason: str


def balances(entries: Iterable[Entry]) -> dict[str, Decimal]:
    """Balance per account: the sum of its entries (an account with no entry is absent)."""
    found: dict[str, Decimal] = {}
    for e in entries:
        found[e.account] = found.get(e.account, Decimal(0)) + e.amount
    return found


def would_go_negative(
    balances_now: Mapping[str, Decimal], new_entries: Sequence[Entry]
) -> list[Refusal]:
    """The entries of ``new_entries`` that, applied in order after ``balances_now``, would
    leave their account below zero (none: the batch keeps every balance at or above zero).
    In order, not net: a batch may not dip below zero in between (D10: space is allocated
    only once it has been freed)."""
    running = dict(balances_now)
    refused = []
    for e in new_entries:
        after = running.get(e.account, Decimal(0)) + e.amount
        if after < 0:
            refused.append(
                Refusal(
                    e.account,
                    e.seq,
                    f"余额不足：{e.account} 余额 {running.get(e.account, Decimal(0))}，"
                    f"本笔 {e.amount} 后为 {after} / insufficient balance: {e.account} has "
                    f"{running.get(e.account, Decimal(0))}, {e.amount} would leave {after}",
                )
            )
            continue
        running[e.account] = after
    return refused


def reversal_refusals(entries: Sequence[Entry], new_entries: Sequence[Entry]) -> list[Refusal]:
    """Corrections in ``new_entries`` that do not exactly undo one earlier, unreversed,
    non-correction entry of the same account."""
    by_seq = {e.seq: e for e in entries}
    reversed_seqs = {e.reverses for e in entries if e.reverses is not None}
    refused = []
    for e in new_entries:
        if e.reverses is None:
            if e.kind in CORRECTION_KINDS:
                refused.append(
                    Refusal(e.account, e.seq, "冲正须指明原记录 / a reversal names its entry")
                )
            by_seq[e.seq] = e
            continue
        target = by_seq.get(e.reverses)
        if target is None:
            reason = f"无此记录 {e.reverses} / no entry {e.reverses} to reverse"
        elif target.kind in CORRECTION_KINDS or target.reverses is not None:
            reason = f"冲正记录不可再冲正 / entry {e.reverses} is itself a reversal"
        elif e.reverses in reversed_seqs:
            reason = f"记录 {e.reverses} 已冲正 / entry {e.reverses} is already reversed"
        elif target.account != e.account or target.amount != -e.amount:
            reason = (
                f"冲正须为原记录的相反数 / a reversal of entry {e.reverses} is "
                f"{-target.amount} on {target.account}"
            )
        else:
            reversed_seqs.add(e.reverses)
            by_seq[e.seq] = e
            continue
        refused.append(Refusal(e.account, e.seq, reason))
    return refused


def post(
    entries: Sequence[Entry], new_entries: Sequence[Entry], unit: Unit
) -> tuple[tuple[Entry, ...], list[Refusal]]:
    """``entries`` with ``new_entries`` appended, or ``entries`` unchanged and the reasons
    when any new entry is inexact for ``unit``, out of order, a bad reversal, or would leave
    its account below zero — all of the batch or none of it."""
    refused: list[Refusal] = []
    last = entries[-1].seq if entries else None
    for e in new_entries:
        try:
            unit.exact(e.amount)
        except LedgerError as exc:
            refused.append(Refusal(e.account, e.seq, str(exc)))
        if last is not None and e.seq <= last:
            refused.append(Refusal(e.account, e.seq, f"序号须递增 / seq {e.seq} after {last}"))
        last = e.seq
    refused += reversal_refusals(entries, new_entries)
    if not refused:
        refused = would_go_negative(balances(entries), new_entries)
    if refused:
        return tuple(entries), refused
    return (*entries, *new_entries), []


def reversal(entry: Entry, seq: int, reference: str = "", kind: str = REVERSAL) -> Entry:
    """The entry that undoes ``entry`` exactly: the opposite amount on the same account."""
    return Entry(seq, entry.account, -entry.amount, kind, reference or entry.reference, entry.seq)


def to_minor(amount: Decimal, unit: Unit) -> int:
    """``amount`` in whole minor units of ``unit`` (exact)."""
    return int(unit.exact(amount).scaleb(unit.places))


def from_minor(minor: int, unit: Unit) -> Decimal:
    """Minor units back to a Decimal of ``unit``'s places."""
    return Decimal(minor).scaleb(-unit.places).quantize(unit.quantum)


RUNNING_SCHEMA = {
    "seq": pl.Int64,
    "account": pl.String,
    "kind": pl.String,
    "reference": pl.String,
    "reverses": pl.Int64,
    "amount_minor": pl.Int64,
    "balance_minor": pl.Int64,
}


def running_balance(entries: Sequence[Entry], unit: Unit) -> pl.DataFrame:
    """One row per entry in ``seq`` order with the account's balance after it
    (``balance_minor``); amounts in minor units of ``unit`` (``RUNNING_SCHEMA``)."""
    frame = pl.DataFrame(
        {
            "seq": [e.seq for e in entries],
            "account": [e.account for e in entries],
            "kind": [e.kind for e in entries],
            "reference": [e.reference for e in entries],
            "reverses": [e.reverses for e in entries],
            "amount_minor": [to_minor(e.amount, unit) for e in entries],
        },
        schema={k: v for k, v in RUNNING_SCHEMA.items() if k != "balance_minor"},
    )
    return frame.sort("seq").with_columns(
        pl.col("amount_minor").cum_sum().over("account").alias("balance_minor")
    )


def entry_hash(previous_hash: str, entry: Entry, unit: Unit) -> str:
    """SHA-256 over the previous entry's hash of the account and this entry's fields in a
    fixed text form (amount in minor units, so ``1.5`` and ``1.50`` hash alike)."""
    text = "\x1f".join(
        (
            previous_hash,
            str(entry.seq),
            entry.account,
            str(to_minor(entry.amount, unit)),
            entry.kind,
            entry.reference,
            "" if entry.reverses is None else str(entry.reverses),
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain(entries: Sequence[Entry], unit: Unit) -> list[str]:
    """The hash of each entry, chained per account from ``GENESIS``."""
    heads: dict[str, str] = {}
    out = []
    for e in entries:
        h = entry_hash(heads.get(e.account, GENESIS), e, unit)
        heads[e.account] = h
        out.append(h)
    return out


def verify_chain(entries: Sequence[Entry], hashes: Sequence[str], unit: Unit) -> list[int]:
    """The ``seq`` of each entry whose stored hash does not match the chain recomputed from
    the entries (an edit, a deletion or a reordering shows at the first entry it touches)."""
    if len(hashes) != len(entries):
        msg = "one stored hash per entry / 每条记录一个哈希"
        raise ValueError(msg)
    expected = chain(entries, unit)
    return [e.seq for e, h, x in zip(entries, hashes, expected, strict=True) if h != x]


def heads(entries: Sequence[Entry], hashes: Sequence[str]) -> dict[str, str]:
    """Each account's latest hash (the head of its chain)."""
    found: dict[str, str] = {}
    for e, h in zip(entries, hashes, strict=True):
        found[e.account] = h
    return found


def root(account_heads: Mapping[str, str]) -> str:
    """One SHA-256 over every account's head, in account order: stored and shown (a day's
    root), it fixes all chains at once — a later change to any entry changes it."""
    text = "\n".join(f"{a}\x1f{h}" for a, h in sorted(account_heads.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
