"""Statistical form 205-1: reading real layouts, every check, conversion and the command."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from citycarbon import data
from citycarbon.cli.main import app
from citycarbon.io.errors import InputFileError
from citycarbon.io.form205 import (
    ITEMS_SCHEMA,
    NUMERIC_FIELDS,
    CheckOptions,
    Form205,
    check_form,
    check_jumps,
    form_records,
    parse_period,
    read_form,
    read_form_sheets,
    read_forms,
)
from tests.form205_fixtures import (
    USCC_A,
    USCC_B,
    Item,
    stocked,
    write_form_csv,
    write_form_xls,
    write_form_xlsx,
)

runner = CliRunner()
NAME = "湖州示范化纤有限公司"
ITEMS = [
    stocked(
        "01", 1234.5, industrial=1200.0, feedstock=200.0, non_industrial=34.5, coefficient=0.7143
    ),
    Item("33", total=560.0, industrial=500.0, non_industrial=60.0, coefficient=1.229),
    Item("15", total=12.5, coefficient=1.2143),
]


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def one(tmp_path: Path, items: list[Item], period: str = "2025-03", **kw: Any) -> Form205:
    return read_form(write_form_xlsx(tmp_path / "form.xlsx", USCC_A, NAME, period, items, **kw))


def issues_of(tmp_path: Path, items: list[Item], options: CheckOptions | None = None, **kw: Any):
    return check_form(one(tmp_path, items, **kw), options)


def codes(issues: pl.DataFrame) -> list[str]:
    return issues["code"].to_list()


# --- reading -----------------------------------------------------------------------------

WRITERS = {
    "xlsx": lambda p, **kw: write_form_xlsx(p.with_suffix(".xlsx"), **kw),
    "xls": lambda p, **kw: write_form_xls(p.with_suffix(".xls"), **kw),
    "csv-utf8": lambda p, **kw: write_form_csv(p.with_suffix(".csv"), **kw),
    "csv-bom": lambda p, **kw: write_form_csv(p.with_suffix(".csv"), encoding="utf-8-sig", **kw),
    "csv-gbk": lambda p, **kw: write_form_csv(p.with_suffix(".csv"), encoding="gbk", **kw),
    "csv-gb18030": lambda p, **kw: write_form_csv(p.with_suffix(".csv"), encoding="gb18030", **kw),
}
AWKWARD = {
    "plain": {},
    "one-row header, no title, no notes": {
        "header_rows": 1,
        "title": False,
        "notes": False,
        "letters_row": False,
    },
    "three-row header, blank rows, text numbers": {
        "header_rows": 3,
        "blank_rows": True,
        "text_numbers": True,
        "leading_blank_rows": 2,
    },
    "full-width digits, inline labels, numeric codes, dashes": {
        "full_width": True,
        "inline_labels": True,
        "numeric_codes": True,
        "empty_mark": "—",
    },
    "columns in another order": {
        "columns": (
            "code",
            "name",
            "unit",
            "total",
            "industrial",
            "non_industrial",
            "feedstock",
            "opening",
            "closing",
            "purchase",
            "coefficient",
        ),
    },
}


@pytest.mark.parametrize("awkward", AWKWARD.values(), ids=AWKWARD.keys())
@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_every_layout_reads_the_same(tmp_path: Path, writer: Any, awkward: dict[str, Any]) -> None:
    path = writer(tmp_path / "f", uscc=USCC_A, name=NAME, period="2025-03", items=ITEMS, **awkward)
    form = read_form(path)
    assert (form.uscc, form.period, form.enterprise_name) == (USCC_A, "2025-03", NAME)
    assert len(form.sha256) == 64
    assert form.items.schema == ITEMS_SCHEMA
    assert form.items["energy_code"].to_list() == ["01", "33", "15"]
    coal = form.items.row(0, named=True)
    assert coal["consumption_total"] == 1234.5
    assert coal["feedstock_use"] == 200.0
    assert coal["non_industrial_use"] == 34.5
    assert coal["opening_stock"] == 123.45
    assert form.items["reference_coefficient"].to_list() == [0.7143, 1.229, 1.2143]
    assert check_form(form).is_empty()


def test_rows_and_cells_are_as_excel_shows_them(tmp_path: Path) -> None:
    form = one(tmp_path, ITEMS, leading_blank_rows=3, blank_rows=True)
    # 3 blank rows, title (2 rows), header block (2), table header (2), letters row (1)
    assert form.items["row"].to_list() == [11, 13, 15]
    coal = form.items.row(0, named=True)
    assert coal["energy_code_cell"] == "B11"
    assert coal["consumption_total_cell"] == "G11"
    assert coal["closing_stock_cell"] == "K11"
    wide = one(tmp_path, ITEMS, columns=("name", "code", "unit", "total", "coefficient"))
    assert wide.items.row(0, named=True)["reference_coefficient_cell"] == "E8"
    assert wide.items["opening_stock"].is_null().all()
    assert wide.items["opening_stock_cell"].is_null().all()


def test_sheets_of_a_workbook(tmp_path: Path) -> None:
    path = write_form_xlsx(
        tmp_path / "f.xlsx", USCC_A, NAME, "2025", ITEMS, sheet_name="能源表", extra_sheet=True
    )
    (form,) = read_form_sheets(path)
    assert (form.sheet, form.period) == ("能源表", "2025")
    assert read_form(path, sheet="能源表").sheet == "能源表"


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2025年", "2025"),
        ("2025年度", "2025"),
        ("２０２５年３月", "2025-03"),
        ("2025年12月份", "2025-12"),
        ("2025年1-3月", "2025-Q1"),
        ("2025年1—3月", "2025-Q1"),
        ("2025 年 10-12 月", "2025-Q4"),
        ("2025年1-12月", "2025"),
        ("2025年第一季度", "2025-Q1"),
        ("2025年3季度", "2025-Q3"),
        ("2025-07", "2025-07"),
        ("2025-Q2", "2025-Q2"),
        ("2025", "2025"),
        ("2025年1-6月", None),
        ("2025年13月", None),
        ("上半年", None),
    ],
)
def test_period_formats(text: str, period: str | None) -> None:
    assert parse_period(text) == period


def test_period_written_in_the_form(tmp_path: Path) -> None:
    assert one(tmp_path, ITEMS, period_text="2025年第二季度").period == "2025-Q2"
    assert one(tmp_path, ITEMS, period_text="报告期：2024年度").period == "2024"
    dated = one(tmp_path, ITEMS, period="2025-Q3", extra_header="填报时间：2026年1月15日")
    assert dated.period == "2025-Q3"
    with pytest.raises(InputFileError) as exc:
        one(tmp_path, ITEMS, period_text="报告期：2025年1-6月")
    assert exc.value.errors[0].code == "form_bad_period"


def test_summary_rows_skipped_but_unknown_codes_kept(tmp_path: Path) -> None:
    form = one(tmp_path, [*ITEMS, Item("45", total=5.0, name="氢气")], summary_row=True)
    issues = check_form(form)
    assert codes(issues) == ["unknown_code"]
    assert issues.row(0, named=True)["cell"] == "B11"
    assert "能源合计" not in form.items["name"].to_list()


def test_numbers_that_are_not_numbers(tmp_path: Path) -> None:
    issues = issues_of(tmp_path, [Item("15", total="约12")])  # type: ignore[arg-type]
    assert codes(issues) == ["not_number_value"]
    assert issues.row(0, named=True)["cell"] == "G8"
    assert issues.row(0, named=True)["value"] == "约12"


def test_bad_uscc_check_character(tmp_path: Path) -> None:
    bad = USCC_A[:-1] + ("0" if USCC_A[-1] != "0" else "1")
    issues = issues_of(tmp_path, ITEMS, uscc_text=bad)
    assert codes(issues) == ["form_bad_uscc"]
    assert issues.row(0, named=True)["cell"] == "G3"


# --- checks ------------------------------------------------------------------------------


def test_unit_conversion_and_unit_checks(tmp_path: Path) -> None:
    form = one(
        tmp_path,
        [
            Item("33", total=5_600_000.0, unit="千瓦时"),
            Item("01", total=2000.0, unit="千克"),
            Item("15", total=3.0, unit="万千瓦时"),
            Item("21", total=3.0, unit="桶"),
        ],
    )
    issues = check_form(form)
    assert codes(issues) == ["unknown_unit", "unit_mismatch"]
    assert issues["cell"].to_list() == ["C11", "C10"]
    records = form_records(form)
    assert records.select("energy_code", "quantity", "unit").rows() == [
        ("33", 560.0, "10k_kwh"),
        ("01", 2.0, "t"),
    ]


def test_stock_balance(tmp_path: Path) -> None:
    off = Item("01", total=100.0, opening=10.0, purchase=100.0, closing=50.0)
    issues = issues_of(tmp_path, [off])
    assert codes(issues) == ["stock_balance"]
    assert issues.row(0, named=True)["cell"] == "K8"
    near = Item("01", total=100.0, opening=10.0, purchase=100.0, closing=10.9)
    assert issues_of(tmp_path, [near]).is_empty()
    strict = CheckOptions(balance_tolerance=0.001)
    assert codes(issues_of(tmp_path, [near], strict)) == ["stock_balance"]
    electricity = Item("33", total=100.0, opening=10.0, purchase=100.0, closing=50.0)
    assert issues_of(tmp_path, [electricity]).is_empty()


def test_consumption_parts(tmp_path: Path) -> None:
    issues = issues_of(tmp_path, [Item("15", total=10.0, industrial=8.0, non_industrial=1.0)])
    assert codes(issues) == ["consumption_parts"]
    assert issues.row(0, named=True)["cell"] == "G8"
    assert issues_of(tmp_path, [Item("15", total=10.0, industrial=9.0)]).is_empty()


def test_feedstock_checks(tmp_path: Path) -> None:
    over = Item("15", total=10.0, industrial=8.0, feedstock=9.0, non_industrial=2.0)
    assert codes(issues_of(tmp_path, [over])) == ["feedstock_exceeds"]
    over_total = Item("15", total=10.0, feedstock=11.0)
    assert codes(issues_of(tmp_path, [over_total])) == ["feedstock_exceeds"]
    electricity = Item("33", total=10.0, industrial=10.0, feedstock=1.0)
    issues = issues_of(tmp_path, [electricity])
    assert codes(issues) == ["feedstock_not_allowed"]
    assert issues.row(0, named=True)["cell"] == "I8"


def test_negative_numbers(tmp_path: Path) -> None:
    issues = issues_of(tmp_path, [Item("15", total=-1.0, industrial=-1.0)])
    assert codes(issues) == ["negative_value", "negative_value"]
    assert sorted(issues["cell"].to_list()) == ["G8", "H8"]


def test_reference_coefficient(tmp_path: Path) -> None:
    accepted = [
        Item("15", total=1.0, coefficient=12.143),  # tce per 10⁴ m³
        Item("33", total=1.0, coefficient=0.1229),  # kgce per kWh
        Item("01", total=1.0, coefficient=0.75),  # within 20 %
        Item("21", total=1000.0, unit="千克", coefficient=1.4571),  # kgce per kg
    ]
    assert issues_of(tmp_path, accepted).is_empty()
    issues = issues_of(tmp_path, [Item("01", total=1.0, coefficient=0.5)])
    assert codes(issues) == ["coefficient_mismatch"]
    assert issues["level"].to_list() == ["warning"]
    assert issues.row(0, named=True)["cell"] == "L8"
    loose = CheckOptions(coefficient_tolerance=0.5)
    assert issues_of(tmp_path, [Item("01", total=1.0, coefficient=0.5)], loose).is_empty()


def test_duplicate_code_in_a_form(tmp_path: Path) -> None:
    issues = issues_of(tmp_path, [Item("15", total=1.0), Item("15", total=2.0)])
    assert codes(issues) == ["form_duplicate_item", "form_duplicate_item"]


def records_frame(rows: list[tuple[str, str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["entity_id", "period", "energy_code", "quantity"], orient="row"
    )


def test_month_on_month_jumps() -> None:
    frame = records_frame(
        [
            ("E1", "2025-01", "33", 100.0),
            ("E1", "2025-02", "33", 250.0),  # ×2.5: fine
            ("E1", "2025-03", "33", 800.0),  # ×3.2: jump up
            ("E1", "2025-04", "33", 200.0),  # ×0.25: jump down
            ("E1", "2025-06", "33", 2000.0),  # May missing: not compared
            ("E1", "2025-02", "15", 1.0),
            ("E1", "2025-03", "15", 1.0),
            ("E2", "2024-12", "15", 1.0),
            ("E2", "2025-01", "15", 1.0),  # across the year: ×2 over two purposes
            ("E2", "2025-01", "15", 1.0),
            ("E1", "2025-Q1", "15", 100.0),  # quarters are not compared
        ]
    )
    jumps = check_jumps(frame, factor=3.0)
    assert jumps.select("period", "previous_period", "ratio").rows() == [
        ("2025-03", "2025-02", 3.2),
        ("2025-04", "2025-03", 0.25),
    ]
    assert check_jumps(frame, factor=2.0).height == 3  # ×2.0 exactly is not beyond 2


def test_jumps_and_duplicates_across_forms(tmp_path: Path) -> None:
    for month, total in (("01", 100.0), ("02", 500.0)):
        write_form_xlsx(
            tmp_path / f"m{month}.xlsx", USCC_A, NAME, f"2025-{month}", [Item("33", total=total)]
        )
    write_form_csv(tmp_path / "again.csv", USCC_A, NAME, "2025-02", [Item("33", total=500.0)])
    seen: list[tuple[int, int, str]] = []
    batch = read_forms([tmp_path], progress=lambda *args: seen.append(args))
    assert [(d, t) for d, t, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    found = batch.issues.select("source", "code", "level").rows()
    again, m02 = str(tmp_path / "again.csv"), str(tmp_path / "m02.xlsx")
    assert (m02, "form_duplicate", "error") in found
    assert (again, "month_jump", "warning") in found
    assert len(batch.forms) == 3
    assert batch.error_count == 1


# --- conversion --------------------------------------------------------------------------


def test_purposes_and_totals(tmp_path: Path) -> None:
    form = one(
        tmp_path,
        [
            Item("01", total=100.0, industrial=90.0, feedstock=30.0, non_industrial=10.0),
            Item("15", total=20.0, feedstock=5.0),  # only 合计 and feedstock
            Item("21", industrial=4.0, non_industrial=1.0),  # no 合计
            Item("29", total=7.0, industrial=7.0, feedstock=7.0),  # all feedstock
            Item("19", total=0.0),
            Item("22"),
        ],
    )
    assert check_form(form).is_empty()
    rows = form_records(form).select("energy_code", "purpose", "quantity", "cell").rows()
    assert rows == [
        ("01", "fuel", 60.0, "H8"),
        ("01", "feedstock", 30.0, "I8"),
        ("01", "non_industrial", 10.0, "J8"),
        ("15", "fuel", 15.0, "G9"),
        ("15", "feedstock", 5.0, "I9"),
        ("21", "fuel", 4.0, "H10"),
        ("21", "non_industrial", 1.0, "J10"),
        ("29", "feedstock", 7.0, "I11"),
    ]


def items_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    full = [
        {
            "row": 8 + i,
            "energy_code": "01",
            "name": "",
            "unit": "",
            **{f"{f}_cell": None for f in ("energy_code", "unit", *NUMERIC_FIELDS)},
            **{f: None for f in NUMERIC_FIELDS},
            **r,
        }
        for i, r in enumerate(rows)
    ]
    return pl.DataFrame(full, schema=ITEMS_SCHEMA)


TCE = dict(data.energy_catalogue().select("energy_code", "tce_per_unit").iter_rows())
UNITS = {"01": ["吨", "千克", ""], "15": ["万立方米", "立方米"], "33": ["万千瓦时", "千瓦时"]}
MULTIPLIER = {
    "吨": 1.0,
    "千克": 0.001,
    "": 1.0,
    "万立方米": 1.0,
    "立方米": 1e-4,
    "万千瓦时": 1.0,
    "千瓦时": 1e-4,
}


@st.composite
def form_item(draw: st.DrawFn) -> dict[str, Any]:
    code = draw(st.sampled_from(sorted(UNITS)))
    amount = st.floats(min_value=0, max_value=1e7, allow_nan=False)
    industrial = draw(amount)
    non_industrial = draw(st.one_of(st.none(), amount))
    feedstock = 0.0 if code == "33" else draw(st.floats(min_value=0, max_value=industrial))
    total = draw(st.one_of(st.none(), st.just(industrial + (non_industrial or 0.0))))
    return {
        "energy_code": code,
        "unit": draw(st.sampled_from(UNITS[code])),
        "consumption_total": total,
        "industrial_use": industrial,
        "feedstock_use": feedstock,
        "non_industrial_use": non_industrial,
    }


@given(st.lists(form_item(), min_size=1, max_size=6, unique_by=lambda r: r["energy_code"]))
def test_records_add_up_to_the_total_in_tce(rows: list[dict[str, Any]]) -> None:
    form = Form205("f.xlsx", "", "", USCC_A, "2025", "0" * 64, items_frame(rows))
    records = form_records(form)
    assert (records["quantity"] > 0).all()
    got = sum(q * TCE[c] for c, q in records.select("energy_code", "quantity").iter_rows())
    want = sum(
        (r["industrial_use"] + (r["non_industrial_use"] or 0.0))
        * MULTIPLIER[r["unit"]]
        * TCE[r["energy_code"]]
        for r in rows
    )
    assert got == pytest.approx(want, rel=1e-9, abs=1e-6)


# --- broken files ------------------------------------------------------------------------


def broken(tmp_path: Path) -> dict[str, tuple[Path, list[str], str]]:
    good = write_form_xlsx(tmp_path / "good.xlsx", USCC_A, NAME, "2025", ITEMS).read_bytes()
    (tmp_path / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "garbage.csv").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "blank.csv").write_bytes(b"\xef\xbb\xbf\r\n")
    book = xlsxwriter.Workbook(str(tmp_path / "other.xlsx"))
    book.add_worksheet("名单").write_row(0, 0, ["企业", "行业", "增加值"])
    book.close()
    return {
        "truncated": (tmp_path / "truncated.xlsx", [], "form_corrupt"),
        "empty": (tmp_path / "empty.xlsx", [], "form_empty"),
        "garbage": (tmp_path / "garbage.csv", [], "encoding"),
        "blank": (tmp_path / "blank.csv", [], "form_empty"),
        "not a form": (tmp_path / "other.xlsx", [], "form_not_found"),
        "wrong sheet": (tmp_path / "good.xlsx", ["--sheet", "Sheet9"], "form_no_sheet"),
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("truncated", "Excel 文件已损坏或不完整"),
        ("empty", "the file is empty"),
        ("garbage", "cannot decode the file"),
        ("blank", "文件为空"),
        ("not a form", "缺少表头（能源名称、代码）、统一社会信用代码、报告期"),
        ("not a form", "missing header (energy name, code), USCC, period"),
        ("wrong sheet", "Sheet9；现有：205-1"),
        ("wrong sheet", "Sheet9; there are: 205-1"),
    ],
)
def test_broken_files_fail_clearly_and_write_nothing(
    tmp_path: Path, case: str, message: str
) -> None:
    path, extra, code = broken(tmp_path)[case]
    out = tmp_path / "energy.csv"
    status, _, err = run("convert-205", str(path), "--out", str(out), *extra)
    assert status == 2, err
    assert message in err
    assert "no output written" in err
    assert not out.exists()
    with pytest.raises(InputFileError) as exc:
        read_form(path, sheet=extra[1] if extra else None)
    assert exc.value.errors[0].code == code


def test_one_bad_file_does_not_hide_the_others(tmp_path: Path) -> None:
    broken(tmp_path)
    batch = read_forms([tmp_path])
    assert [f.source for f in batch.forms] == [str(tmp_path / "good.xlsx")]
    failed = sorted(Path(f.errors[0].file).name for f in batch.failures)
    assert failed == ["blank.csv", "empty.xlsx", "garbage.csv", "other.xlsx", "truncated.xlsx"]
    assert not batch.records.is_empty()


# --- the command -------------------------------------------------------------------------


def test_folder_conversion(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    (forms / "2025" / "03").mkdir(parents=True)
    write_form_xlsx(forms / "a.xlsx", USCC_A, NAME, "2025-03", ITEMS)
    write_form_xls(forms / "2025" / "b.xls", USCC_B, "乙公司", "2025-03", [Item("15", total=3.0)])
    write_form_csv(
        forms / "2025" / "03" / "c.csv",
        USCC_B,
        "乙公司",
        "2025-02",
        [Item("15", total=2.0)],
        encoding="gbk",
    )
    (forms / "~$a.xlsx").write_bytes(b"lock")
    (forms / "readme.txt").write_text("not a form")
    out = tmp_path / "energy.csv"
    status, _, err = run("convert-205", str(forms), "--out", str(out))
    assert status == 0, err
    frame = pl.read_csv(out, schema_overrides={"energy_code": pl.String})
    assert frame.columns == ["entity_id", "period", "energy_code", "quantity", "unit", "purpose"]
    assert frame.height == 8
    assert sorted(frame.filter(entity_id=USCC_B).rows()) == [
        (USCC_B, "2025-02", "15", 2.0, "10k_m3", "fuel"),
        (USCC_B, "2025-03", "15", 3.0, "10k_m3", "fuel"),
    ]
    assert "3 forms, 8 records, 0 warnings" in err


def test_errors_report_cells_and_warnings_do_not_stop(tmp_path: Path) -> None:
    path = write_form_xlsx(
        tmp_path / "f.xlsx", USCC_A, NAME, "2025", [Item("01", total=1.0, coefficient=0.5)]
    )
    out, report = tmp_path / "energy.csv", tmp_path / "issues.csv"
    status, _, err = run("convert-205", str(path), "--out", str(out), "--report", str(report))
    assert status == 0, err
    assert "f.xlsx [205-1]!L8: 列/column 参考折标系数 (reference_coefficient): 警告/warning" in err
    assert out.exists()
    assert report.read_bytes().startswith(codecs.BOM_UTF8)
    bad = write_form_xlsx(
        tmp_path / "g.xlsx",
        USCC_B,
        NAME,
        "2025",
        [Item("15", total=10.0, industrial=8.0, non_industrial=1.0)],
    )
    out.unlink()
    status, _, err = run(
        "convert-205", str(path), str(bad), "--out", str(out), "--report", str(report)
    )
    assert status == 2
    assert "g.xlsx [205-1]!G8: 列/column 消费量 合计 (consumption_total): 错误/error:" in err
    assert "消费量合计 ≠ 工业生产消费 + 非工业生产消费" in err
    assert "total consumption ≠ industrial + non-industrial consumption" in err
    assert not out.exists()
    table = pl.read_csv(report, infer_schema=False)
    assert sorted(table["code"].to_list()) == ["coefficient_mismatch", "consumption_parts"]
    assert set(table.columns) >= {"source", "sheet", "cell", "reason_zh", "reason_en", "level"}
    status, _, _ = run("convert-205", str(path), "--coefficient-tolerance", "0.5")
    assert status == 0


def test_convert_then_emissions(tmp_path: Path) -> None:
    path = write_form_xlsx(tmp_path / "f.xlsx", USCC_A, NAME, "2025-03", ITEMS)
    energy, emissions = tmp_path / "energy.csv", tmp_path / "emissions.csv"
    status, _, err = run("convert-205", str(path), "--out", str(energy))
    assert status == 0, err
    status, _, err = run("emissions", str(energy), "--detail", "--out", str(emissions))
    assert status == 0, err
    result = pl.read_csv(emissions).row(0, named=True)
    assert result["entity_id"] == USCC_A
    want_tce = 1234.5 * TCE["01"] + 560.0 * TCE["33"] + 12.5 * TCE["15"]
    assert result["energy_tce"] == pytest.approx(want_tce)
    assert result["feedstock_tce"] == pytest.approx(200.0 * TCE["01"])


def test_missing_path(tmp_path: Path) -> None:
    status, _, err = run("convert-205", str(tmp_path / "nope.xlsx"))
    assert status == 2
    assert "文件不存在" in err


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("inf", "not_number_value"),
        ("NaN", "not_number_value"),
        ("1e309", "not_number_value"),
        ("1e-400", "underflow"),
        ("4e-320", "underflow"),
        ("1e16", "over_bound"),
    ],
)
def test_numbers_that_are_not_finite_exact_or_plausible(
    tmp_path: Path, text: str, code: str
) -> None:
    issues = issues_of(tmp_path, [Item("15", total=text)])  # type: ignore[arg-type]
    assert code in codes(issues)
    hit = issues.filter(pl.col("code") == code).row(0, named=True)
    assert (hit["cell"], hit["value"], hit["level"]) == ("G8", text, "error")


def test_quantities_over_the_bound_of_their_code(tmp_path: Path) -> None:
    # 2e8 t of raw coal, over the 1e8 t bound; 2e8 kg is 2e5 t, within it.
    issues = issues_of(tmp_path, [Item("01", total=2e8, industrial=2e8)])
    over = issues.filter(pl.col("code") == "over_bound")
    assert sorted(over["column"].to_list()) == ["consumption_total", "industrial_use"]
    assert (over["level"] == "error").all()
    assert "over_bound" not in codes(
        issues_of(tmp_path, [Item("01", unit="千克", total=2e8, industrial=2e8)])
    )
