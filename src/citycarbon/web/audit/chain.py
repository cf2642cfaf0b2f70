"""The audit trail as a hash chain: each event carries the SHA-256 of its canonical form
(``audit.hashing``) and the hash of the event before it, so an edited, deleted or reordered
event is found by walking the chain (``citycarbon audit verify``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from citycarbon.web.audit.hashing import event_hash
from citycarbon.web.audit.models import AuditChainHead, AuditEvent

HEAD_PK: Final = 1
_MAX_COMPARED: Final = 200
"""Events whose content does not match their hash that are compared pairwise to tell a swap."""

FINDINGS: Final[dict[str, tuple[str, str]]] = {
    "edited": ("内容与哈希不符：事件已被修改", "content does not match its hash: event edited"),
    "deleted": ("序号不连续：之前的事件已被删除", "sequence gap: events before it deleted"),
    "broken_link": (
        "前一哈希与前一事件不符：之前的事件已被删除或调换",
        "previous hash does not match the event before it: events deleted or reordered",
    ),
    "reordered": ("事件顺序被调换", "events reordered"),
    "tail_deleted": (
        "链头记录的事件多于现存事件：末尾的事件已被删除",
        "the chain head counts more events than remain: events at the end deleted",
    ),
    "head": (
        "链头与最后一个事件不符",
        "the chain head does not match the last event",
    ),
}


def hash_of(event: AuditEvent, *, sequence: int | None = None, prev_hash: str | None = None) -> str:
    """The hash ``event`` should carry (at another place in the chain, if given)."""
    return event_hash(
        sequence=event.sequence if sequence is None else sequence,
        at=event.at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        before=event.before,
        after=event.after,
        prev_hash=event.prev_hash if prev_hash is None else prev_hash,
    )


def locked_head() -> AuditChainHead:
    """The chain head, locked until the transaction ends (PostgreSQL ``SELECT … FOR UPDATE``;
    SQLite writers are serialised already by their ``IMMEDIATE`` transactions). Made from the
    last event when missing, e.g. after a test flush."""
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    last = AuditEvent.objects.order_by("-sequence").first()
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        pk=HEAD_PK,
        defaults={"sequence": last.sequence, "hash": last.hash} if last else {},
    )
    return head


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the chain, at the event with ``event_id`` (``None``: the head)."""

    kind: str
    event_id: int | None
    sequence: int | None
    detail: str = ""

    def render(self) -> str:
        zh, en = FINDINGS[self.kind]
        where = "链头 / chain head" if self.event_id is None else f"事件 / event id {self.event_id}"
        at = "" if self.sequence is None else f" (序号 / sequence {self.sequence})"
        detail = f" — {self.detail}" if self.detail else ""
        return f"{where}{at}: {zh} / {en}{detail}"


@dataclass(frozen=True)
class ChainReport:
    events: int
    findings: list[Finding]

    @property
    def intact(self) -> bool:
        return not self.findings


def _swaps(mismatched: list[AuditEvent]) -> Iterator[Finding]:
    """Events whose content is another place's: the content of ``a`` carries ``b``'s hash."""
    for a in mismatched[:_MAX_COMPARED]:
        for b in mismatched[:_MAX_COMPARED]:
            if a is not b and hash_of(a, sequence=b.sequence, prev_hash=b.prev_hash) == b.hash:
                yield Finding(
                    "reordered",
                    a.pk,
                    a.sequence,
                    f"holds the content of sequence {b.sequence} / 内容属于序号 {b.sequence}",
                )


def verify(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the whole chain in sequence order, streaming, and report what does not hold."""
    findings: list[Finding] = []
    mismatched: list[AuditEvent] = []
    count = 0
    prev: AuditEvent | None = None
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=chunk_size):
        count += 1
        expected = 1 if prev is None else prev.sequence + 1
        if event.sequence != expected:
            gap = f"{expected}..{event.sequence - 1}"
            findings.append(
                Finding("deleted", event.pk, event.sequence, f"missing {gap} / 缺少 {gap}")
            )
        elif event.prev_hash != ("" if prev is None else prev.hash):
            findings.append(Finding("broken_link", event.pk, event.sequence))
        if prev is not None and event.pk < prev.pk:
            findings.append(
                Finding(
                    "reordered",
                    event.pk,
                    event.sequence,
                    f"stored before event id {prev.pk} / 早于事件 {prev.pk} 存入",
                )
            )
        if hash_of(event) != event.hash:
            findings.append(Finding("edited", event.pk, event.sequence))
            mismatched.append(event)
        prev = event
    swaps = list(_swaps(mismatched))
    swapped = {f.event_id for f in swaps}
    findings = [f for f in findings if not (f.kind == "edited" and f.event_id in swapped)]
    findings.extend(swaps)
    head = AuditChainHead.objects.filter(pk=HEAD_PK).first()
    if head is not None and (prev is None or head.sequence > prev.sequence):
        last = 0 if prev is None else prev.sequence
        findings.append(
            Finding(
                "tail_deleted",
                None,
                head.sequence,
                f"last event is sequence {last} / 最后一个事件序号为 {last}",
            )
        )
    elif prev is not None and (
        head is None or (head.sequence, head.hash) != (prev.sequence, prev.hash)
    ):
        findings.append(Finding("head", None, None if head is None else head.sequence))
    return ChainReport(count, findings)
