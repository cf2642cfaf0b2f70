"""The report service on its own (no domain): a hand-written document rendered to a PDF whose
text holds its Chinese, its figures and its verification id; verification ids; parameters
parsed with the kind's form, errors in Chinese and English."""

from __future__ import annotations

import io
import re

import pytest
from django import forms
from django.utils import translation
from pypdf import PdfReader

from citycarbon.web.reports import render
from citycarbon.web.reports.actions import ALPHABET, new_verification_id, normal_id
from citycarbon.web.reports.registry import (
    Document,
    ReportInputError,
    ReportKind,
    facts,
    note,
    parse,
    raw_params,
    table,
)


def pdf_text(body: bytes) -> str:
    """The text of every page, whitespace removed (extraction spaces CJK and Latin runs
    apart)."""
    reader = PdfReader(io.BytesIO(body))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


DOCUMENT = Document(
    title="企业碳效码证书",
    subject="E1",
    subject_label="某某精密机械有限公司",
    period="2024",
    sections=[
        facts("碳效码", [("碳效等级", "低碳1级"), ("碳效值 K", "0.62")]),
        table("分区县排放", ["区县", "排放量"], [["东湖区", "1.7 万吨CO₂"]], numeric=(1,)),
        note("K 为 L 与行业平均 L 之比。"),
    ],
)
VERIFICATION = render.Verification(
    id="7K3M-Q9XD-2HPA-W4TZ",
    url="http://127.0.0.1:8000/reports/verify/7K3M-Q9XD-2HPA-W4TZ/",
    issuer="某市发展和改革委员会",
    issued_at="2025-03-01 09:30",
)


def test_the_pdf_holds_the_chinese_text_figures_and_verification_id() -> None:
    with translation.override("zh-hans"):
        body = render.pdf(DOCUMENT, VERIFICATION)
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    for expected in (
        "企业碳效码证书",
        "某某精密机械有限公司·2024",
        "碳效等级低碳1级",
        "碳效值K0.62",
        "东湖区1.7万吨CO₂",
        "K为L与行业平均L之比。",
        "核验编号7K3M-Q9XD-2HPA-W4TZ",
        "某市发展和改革委员会",
        "扫描二维码或打开链接核验本报告。",
    ):
        assert expected in text, expected


def test_the_pdf_embeds_a_subset_of_the_cjk_font() -> None:
    body = render.pdf(DOCUMENT, VERIFICATION)
    font_file = (render.font_dir() / render.FONT_FILES[0]).stat().st_size
    assert len(body) < font_file / 20  # 10 MB of Noto Sans SC → a subset of a few glyphs
    fonts = {
        str(f["/BaseFont"])
        for page in PdfReader(io.BytesIO(body)).pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert any("NotoSansSC" in name for name in fonts), fonts
    assert all(re.match(r"/[A-Z]{6}\+", name) for name in fonts), fonts  # subset tags


def test_text_from_the_data_is_never_typst_markup() -> None:
    tricky = Document(
        title='#panic("x") *bold* $x$',
        subject="E1",
        subject_label="[a] <b> \\ @ref",
        period="2024",
        sections=[note("= heading? #let")],
    )
    text = pdf_text(render.pdf(tricky, VERIFICATION))
    assert '#panic("x")*bold*$x$' in text
    assert "[a]<b>\\@ref" in text and "=heading?#let" in text


def test_a_verification_id_is_16_unambiguous_characters_in_four_groups() -> None:
    ids = {new_verification_id() for _ in range(200)}
    assert len(ids) == 200
    for rid in ids:
        assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", rid)
        assert set(rid.replace("-", "")) <= set(ALPHABET)
        assert not set(rid) & set("ILOU")


def test_an_id_as_typed_is_read_in_its_printed_form() -> None:
    assert normal_id("7k3m q9xd 2hpa w4tz") == "7K3M-Q9XD-2HPA-W4TZ"
    assert normal_id("7K3MQ9XD2HPAW4TZ") == "7K3M-Q9XD-2HPA-W4TZ"
    assert normal_id("7K3M-Q9XD-2HPA-W4TO") == "7K3M-Q9XD-2HPA-W4T0"  # O read as 0
    assert normal_id("7K3M-Q9XD-2HPA-W4T") == ""  # 15 characters
    assert normal_id("7K3M-Q9XD-2HPA-W4TU") == ""  # U is not in the alphabet
    assert normal_id("") == ""


class _YearForm(forms.Form):
    year = forms.IntegerField(label="Year", min_value=1900, max_value=9999)
    note = forms.CharField(required=False)


KIND = ReportKind(
    name="probe",
    title="probe",  # type: ignore[arg-type]
    form=_YearForm,
    may_read=lambda principal, params: True,
    build=lambda params: DOCUMENT,
)


def test_parameters_are_parsed_by_the_kinds_form_errors_in_chinese_and_english() -> None:
    assert parse(KIND, {"year": "2024"}) == {"year": 2024, "note": ""}
    with pytest.raises(ReportInputError) as caught:
        parse(KIND, {"year": "20x4"})
    assert "整数" in caught.value.reason_zh
    assert "whole number" in caught.value.reason_en
    assert raw_params(KIND, {"year": "2024", "note": "", "other": "x"}) == {"year": "2024"}


def test_a_missing_font_is_said_in_chinese_and_english(
    settings: pytest.FixtureRequest, tmp_path: object
) -> None:
    settings.CITYCARBON_REPORT_FONTS = tmp_path  # type: ignore[attr-defined]
    with pytest.raises(render.FontMissingError, match=r"报告字体缺失.*make assets"):
        render.pdf(DOCUMENT, VERIFICATION)
