"""``citycarbon report``: issue a registered report as a PDF file (``certificate``,
``monthly``), as the pages and the API issue it: with a verification id, its PDF kept and
hashed, and an audit event."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from citycarbon.cli.console import EXIT_BAD_INPUT, err, fail, out


class Language(StrEnum):
    zh = "zh"
    en = "en"


LANGUAGES = {Language.zh: "zh-hans", Language.en: "en"}
OutOption = Annotated[Path, typer.Option("--out", help="The PDF file to write.")]
LangOption = Annotated[
    Language, typer.Option("--lang", help="The report's language: zh (default) or en.")
]


def _issue(kind_name: str, params: dict[str, str], out_path: Path, lang: Language) -> None:
    if out_path.suffix.lower() != ".pdf":
        raise fail(f"{out_path}: 输出文件须以 .pdf 结尾 / the output file must end in .pdf")
    from citycarbon.web import bootstrap  # noqa: PLC0415  (Django is set up first)

    bootstrap.migrate()
    from django.conf import settings  # noqa: PLC0415
    from django.utils import translation  # noqa: PLC0415

    from citycarbon.io.files import write_atomically  # noqa: PLC0415
    from citycarbon.web.audit.actions import Actor  # noqa: PLC0415
    from citycarbon.web.reports.actions import do_issue_report  # noqa: PLC0415
    from citycarbon.web.reports.registry import ReportInputError, kind_of  # noqa: PLC0415
    from citycarbon.web.reports.render import FontMissingError  # noqa: PLC0415

    kind = kind_of(kind_name)
    if kind is None:  # the kinds are registered by the apps; a missing one is a set-up fault
        raise fail(f"未注册的报告类型 {kind_name} / report kind {kind_name} is not registered")
    with translation.override(LANGUAGES[lang]):
        try:
            report = do_issue_report(
                kind, params, actor=Actor.system("cli"), base_url=settings.CITYCARBON_PUBLIC_URL
            )
        except ReportInputError as exc:
            err.print(f"{exc.reason_zh} / {exc.reason_en}", markup=False)
            raise typer.Exit(EXIT_BAD_INPUT) from exc
        except FontMissingError as exc:
            err.print(str(exc), markup=False)
            raise typer.Exit(1) from exc
    body = bytes(report.pdf)
    write_atomically(out_path, lambda tmp: tmp.write_bytes(body))
    out.print(
        f"已签发 issued {report.title} {report.subject_label} {report.period}\n"
        f"核验编号 verification id: {report.pk}\n"
        f"SHA-256: {report.sha256} ({len(body):,} bytes)\n"
        f"写入 written: {out_path}",
        markup=False,
        soft_wrap=True,
    )


def certificate(
    entity: Annotated[str, typer.Option("--entity", help="The enterprise's entity id.")],
    year: Annotated[str, typer.Option("--year", help="The year graded, YYYY.")],
    out_path: OutOption,
    lang: LangOption = Language.zh,
) -> None:
    """An enterprise's carbon-efficiency certificate for a year (its published code, L, K
    and the industry average). Exit 2 when the year is not YYYY or the enterprise has no
    published code for it."""
    _issue("certificate", {"entity": entity, "year": year}, out_path, lang)


def monthly(
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM.")],
    out_path: OutOption,
    district: Annotated[
        str, typer.Option("--district", help="A district's code (GB/T 2260); default the city.")
    ] = "",
    lang: LangOption = Language.zh,
) -> None:
    """The city's or a district's monthly carbon analysis (totals, trend, districts,
    industries, grades, benchmark lists). Exit 2 on a bad month, an unknown district or a
    month without data."""
    _issue("monthly", {"month": month, "district": district}, out_path, lang)


DistrictOption = Annotated[
    str, typer.Option("--district", help="A district's code (GB/T 2260); default the city.")
]
MeasureOption = Annotated[
    str, typer.Option("--measure", help="carbon (tCO2, default) or energy (tce).")
]


def budget_quarterly(
    year: Annotated[str, typer.Option("--year", help="The budget year, YYYY.")],
    quarter: Annotated[str, typer.Option("--quarter", help="The quarter, 1-4.")],
    out_path: OutOption,
    district: DistrictOption = "",
    measure: MeasureOption = "carbon",
    lang: LangOption = Language.zh,
) -> None:
    """The quarterly budget monitoring report (the plan in force as of the quarter's last
    month: lines, lights, accounted and estimated figures, warning cases). Exit 2 without an
    approved plan, without monitoring as of that month, or on an unknown district."""
    params = {"year": year, "quarter": quarter, "district": district, "measure": measure}
    _issue("budget-quarterly", params, out_path, lang)


def budget_annual(
    year: Annotated[str, typer.Option("--year", help="The budget year, YYYY.")],
    out_path: OutOption,
    district: DistrictOption = "",
    measure: MeasureOption = "carbon",
    lang: LangOption = Language.zh,
) -> None:
    """The annual budget analysis (lines as of the latest monitoring, versions and their
    adjustments, every warning case of the year). Exit 2 without an approved, monitored
    plan, or on an unknown district."""
    params = {"year": year, "district": district, "measure": measure}
    _issue("budget-annual", params, out_path, lang)


def register(app: typer.Typer) -> None:
    report = typer.Typer(help="Issue reports as PDF files.", no_args_is_help=True)
    report.command("certificate")(certificate)
    report.command("monthly")(monthly)
    report.command("budget-quarterly")(budget_quarterly)
    report.command("budget-annual")(budget_annual)
    app.add_typer(report, name="report")
