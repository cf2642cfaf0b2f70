"""Issuing a report (``do_issue_report``): render its PDF, keep it with its hash, audit it."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Final

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from citycarbon.web.audit.actions import Actor, record
from citycarbon.web.reports import render
from citycarbon.web.reports.models import IssuedReport
from citycarbon.web.reports.registry import ReportKind, parse, raw_params

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, so an id read aloud or typed from paper is not
mistaken."""
ID_GROUPS: Final = 4
ID_GROUP_LENGTH: Final = 4
"""16 characters of 32: 80 random bits, printed as ``7K3M-Q9XD-2HPA-W4TZ``."""


def new_verification_id() -> str:
    groups = (
        "".join(secrets.choice(ALPHABET) for _ in range(ID_GROUP_LENGTH)) for _ in range(ID_GROUPS)
    )
    return "-".join(groups)


def normal_id(text: str) -> str:
    """A verification id as typed (any case, with or without dashes, O for 0, I or L for 1)
    in its printed form; "" when it cannot be one."""
    chars = text.strip().upper().replace("-", "").replace(" ", "")
    chars = chars.translate(str.maketrans("OIL", "011"))
    if len(chars) != ID_GROUPS * ID_GROUP_LENGTH or any(c not in ALPHABET for c in chars):
        return ""
    return "-".join(chars[i : i + ID_GROUP_LENGTH] for i in range(0, len(chars), ID_GROUP_LENGTH))


def verify_url(base_url: str, report_id: str) -> str:
    return base_url.rstrip("/") + reverse("report-verify", args=[report_id])


@transaction.atomic
def do_issue_report(
    kind: ReportKind, params: Mapping[str, str], *, actor: Actor, base_url: str
) -> IssuedReport:
    """Build the report ``kind`` of ``params`` (``ReportInputError`` when it cannot be), give
    it a new verification id, render its PDF with the QR of ``base_url``'s verification page,
    and keep both with the PDF's SHA-256. Whether ``actor`` may read it is the caller's
    check."""
    cleaned = parse(kind, params)
    document = kind.build(cleaned)
    report_id = new_verification_id()
    while IssuedReport.objects.filter(pk=report_id).exists():
        report_id = new_verification_id()
    issued_at = timezone.now()
    url = verify_url(base_url, report_id)
    body = render.pdf(
        document,
        render.Verification(
            id=report_id,
            url=url,
            issuer=settings.CITYCARBON_ISSUER,
            issued_at=timezone.localtime(issued_at).strftime("%Y-%m-%d %H:%M"),
        ),
    )
    report = IssuedReport.objects.create(
        id=report_id,
        kind=kind.name,
        subject=document.subject[:64],
        subject_label=document.subject_label[:300],
        period=document.period,
        title=document.title[:200],
        params=raw_params(kind, params),
        document=document.as_json(),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        pdf=body,
        sha256=hashlib.sha256(body).hexdigest(),
        created_at=issued_at,
        actor_label=actor.label,
    )
    record(
        actor,
        "reports.issue",
        "IssuedReport",
        report.pk,
        after={
            "kind": report.kind,
            "subject": report.subject,
            "period": report.period,
            "sha256": report.sha256,
            "bytes": len(body),
        },
    )
    return report
