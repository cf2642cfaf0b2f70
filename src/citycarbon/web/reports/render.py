"""Rendering a report: the PDF with Typst (the ``typst`` package from PyPI, a self-contained
compiler) from ``typst/report.typ``, and the QR code of its verification link (segno).

The PDF's Chinese text is set in Noto Sans SC, which ``make assets`` installs from npm into
``CITYCARBON_REPORT_FONTS``; Typst embeds only the glyphs a report uses (a subset)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import segno
import typst
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from citycarbon.web.reports.registry import Document

TEMPLATE: Final = Path(__file__).parent / "typst" / "report.typ"
FONT_FILES: Final = ("NotoSansSC-Regular.ttf", "NotoSansSC-Bold.ttf")


class FontMissingError(RuntimeError):
    """The CJK font is not installed: the PDF would show no Chinese."""


@dataclass(frozen=True)
class Verification:
    """What the foot of a report says about its issue: the id, the link its QR holds, who
    issued it and when."""

    id: str
    url: str
    issuer: str
    issued_at: str


def qr_svg(url: str, *, scale: int = 4) -> str:
    """The QR code of ``url`` as an SVG document (error correction M)."""
    return str(
        segno.make(url, error="m").svg_inline(
            scale=scale, dark="#1b3a2b", title=_("Scan to verify")
        )
    )


def font_dir() -> Path:
    """The folder of the report fonts; missing fonts → ``FontMissingError`` (zh and en)."""
    folder = Path(settings.CITYCARBON_REPORT_FONTS)
    missing = [name for name in FONT_FILES if not (folder / name).is_file()]
    if missing:
        msg = (
            f"报告字体缺失（{', '.join(missing)}，应在 {folder}）：请先运行 make assets / "
            f"the report font is missing ({', '.join(missing)} in {folder}): run make assets"
        )
        raise FontMissingError(msg)
    return folder


def pdf(document: Document, verification: Verification) -> bytes:
    """The PDF of ``document`` with its verification block, in the active language's
    labels."""
    lang = "zh" if (translation.get_language() or "").startswith("zh") else "en"
    data = {
        "lang": lang,
        "doc": document.as_json(),
        "verification": {
            "id": verification.id,
            "url": verification.url,
            "issuer": verification.issuer,
            "issued_at": verification.issued_at,
            "labels": {
                "id": _("Verification id"),
                "issuer": _("Issued by"),
                "issued": _("Issued"),
                "scan": _("Scan the QR code or open the link to verify this report."),
            },
        },
        "qr": qr_svg(verification.url),
    }
    return bytes(
        typst.compile(
            str(TEMPLATE),
            font_paths=[str(font_dir())],
            ignore_system_fonts=True,
            sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        )
    )
