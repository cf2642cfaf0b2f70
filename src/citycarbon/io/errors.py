"""Input errors as values: each names the file, row, column and reason in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from citycarbon.core.budgets import PROBLEMS as BUDGET_PROBLEMS

REASONS: Final[dict[str, tuple[str, str]]] = {
    "missing_column": ("缺少必需列", "required column is missing"),
    "empty_header": ("文件为空或缺少表头", "file is empty or has no header row"),
    "encoding": (
        "文件编码无法识别（应为 UTF-8、GBK 或 GB18030）",
        "cannot decode the file (expected UTF-8, GBK or GB18030)",
    ),
    "field_count": ("字段数与表头不一致", "number of fields differs from the header"),
    # size and shape limits (io/limits.py); the detail names the limit and its variable
    "file_too_large": ("文件过大", "the file is too large"),
    "zip_bomb": (
        "压缩内容异常：解压后过大或压缩比过高",
        "suspicious compressed content: too large once unpacked or too highly compressed",
    ),
    "sheet_too_large": ("工作表过大（行数、列数或单元格数超限）", "the sheet is too large"),
    "workbook_too_large": ("工作簿单元格总数超限", "too many cells in the workbook"),
    "too_many_columns": ("列数过多", "too many columns"),
    "line_too_long": ("行过长", "the line is too long"),
    "field_too_long": ("字段过长", "the field is too long"),
    "parse": ("无法解析 CSV", "cannot parse the CSV"),
    "empty_entity": ("主体编号为空", "entity_id is empty"),
    "bad_period": (
        "期间格式错误，应为 YYYY、YYYY-Qn 或 YYYY-MM",
        "malformed period, expected YYYY, YYYY-Qn or YYYY-MM",
    ),
    "coarse_period": ("期间粒度粗于所需汇总粒度", "period is coarser than the requested grain"),
    "unknown_code": (
        "未知能源代码（不在205-1能源目录中）",
        "unknown energy code (not in the 205-1 catalogue)",
    ),
    "unknown_unit": ("未知计量单位", "unknown unit"),
    "unit_mismatch": ("计量单位与能源代码不符", "unit does not match the energy code"),
    "missing_quantity": ("数量为空", "quantity is empty"),
    "not_number": ("数量不是有效数字", "quantity is not a valid number"),
    "negative": ("数量为负数", "quantity is negative"),
    "underflow": (
        "非零数值过小（小于 1e-6，或无法精确表示），不是合理的记录值",
        "a non-zero number below 1e-6 (or too small to be represented) is not a plausible value",
    ),
    "over_bound": (
        "数值超过该能源单条记录的合理上限",
        "the number exceeds the plausible bound of one record",
    ),
    "bad_bound_key": ("上限配置中的能源代码或粒度未知", "unknown energy code or grain in bounds"),
    "bad_bound": (
        "上限配置值须为正的有限数且不超过上限的最大值",
        "a configured bound must be a positive finite number no larger than the ceiling",
    ),
    "bad_purpose": (
        "未知用途，应为 fuel、feedstock、green_purchase、self_generated 或 non_industrial",
        "unknown purpose, expected fuel, feedstock, green_purchase, self_generated or "
        "non_industrial",
    ),
    "purpose_not_allowed": ("该能源不适用此用途", "purpose not allowed for this energy code"),
    "bad_year": ("年份格式错误，应为 YYYY", "malformed year, expected YYYY"),
    "bad_industry": (
        "行业代码格式错误，应为 GB/T 4754 代码（2–4 位数字，可带门类字母）",
        "malformed industry code, expected GB/T 4754 (2-4 digits, optional section letter)",
    ),
    "not_number_value": ("不是有效数字", "not a valid number"),
    "negative_value": ("不能为负数", "must not be negative"),
    "value_added_too_small": (
        "增加值过小（不足 1 元），无法计算碳效",
        "value added is too small (under 1 yuan) for an intensity",
    ),
    "unknown_building_type": ("未知建筑类型", "unknown building type"),
    "nonpositive_area": ("建筑面积必须大于零", "floor area must be above zero"),
    "area_over_bound": (
        "建筑面积超过单栋建筑的合理上限",
        "the floor area exceeds the plausible bound of one building",
    ),
    "duplicate_row": ("重复记录：键相同", "duplicate row: same key"),
    "duplicate_key": (
        "重复记录：主体、期间、能源代码和用途均相同",
        "duplicate row: same entity, period, energy code and purpose",
    ),
    # imports into the platform
    "unknown_enterprise": (
        "平台中没有该企业（按主体编号或统一社会信用代码查找）",
        "no such enterprise in the platform (looked up by entity id or USCC)",
    ),
    "not_own_enterprise": (
        "只能上报本企业的数据",
        "an enterprise may upload its own data only",
    ),
    # onboarding: citycarbon import regions | enterprises | economics
    "bad_district": (
        "区县代码格式错误，应为 GB/T 2260 六位数字",
        "malformed district code, expected six GB/T 2260 digits",
    ),
    "empty_name": ("名称为空", "name is empty"),
    "unknown_district": (
        "平台中没有该区县，请先用 citycarbon import regions 导入",
        "no such district in the platform; import it first with citycarbon import regions",
    ),
    "bad_uscc": (
        "统一社会信用代码格式或校验位错误（GB 32100-2015）",
        "the unified social credit code is malformed or fails its check characters (GB 32100-2015)",
    ),
    "uscc_taken": (
        "该统一社会信用代码已属于平台中另一企业",
        "this USCC already belongs to another enterprise in the platform",
    ),
    "bad_flag": (
        "应为 0/1、true/false 或 是/否",
        "expected 0/1, true/false or 是/否 (yes/no)",
    ),
    "unknown_entity": (
        "平台中没有该主体编号的企业，请先用 citycarbon import enterprises 导入",
        "no enterprise with this entity id in the platform; import it first with "
        "citycarbon import enterprises",
    ),
    "industry_mismatch": (
        "行业代码与平台中该企业的行业不符（改行业请重新导入企业）",
        "industry code differs from the enterprise's in the platform (re-import the "
        "enterprise to change it)",
    ),
    "held_back": (
        "同一企业同一期间另有错误行，整体暂缓导入",
        "another row of this enterprise and period was rejected; held back together",
    ),
    # 205-1 forms
    "form_file_not_found": ("文件不存在", "file not found"),
    "form_empty": ("文件为空", "the file is empty"),
    "form_corrupt": (
        "Excel 文件已损坏或不完整，无法打开",
        "the Excel file is corrupt or truncated and cannot be opened",
    ),
    "form_no_sheet": ("工作表不存在", "no such sheet"),
    "not_canonical_csv": (
        "CSV 缺少此规范能源列，且不是 205-1 表；规范格式为 entity_id,period,energy_code,"
        "quantity[,unit][,purpose]，文件的列为",
        "the CSV lacks this canonical energy column and is not a 205-1 form either; the "
        "canonical format is entity_id,period,energy_code,quantity[,unit][,purpose], the "
        "file's columns are",
    ),
    "form_not_found": (
        "未找到 205-1 表（工业企业能源购进、消费与库存）",
        "no sheet looks like form 205-1 (energy purchase, consumption and stocks)",
    ),
    "form_bad_period": (
        "报告期无法识别，应如 2025年、2025年3月、2025年1-3月 或 2025年第一季度",
        "reporting period not recognised, expected e.g. 2025年, 2025年3月, 2025年1-3月 or "
        "2025年第一季度",
    ),
    "form_bad_uscc": (
        "统一社会信用代码校验位错误",
        "the unified social credit code fails its check characters",
    ),
    "form_duplicate_item": ("同一能源代码在表中出现多次", "the energy code appears more than once"),
    "form_duplicate": (
        "同一企业同一报告期的 205-1 表出现多次",
        "more than one 205-1 form for the same enterprise and period",
    ),
    "stock_balance": (
        "库存不平衡：年初库存量 + 购进量 − 消费量合计 ≠ 年末库存量",
        "stocks do not balance: opening + purchases − total consumption ≠ closing",
    ),
    "consumption_parts": (
        "消费量合计 ≠ 工业生产消费 + 非工业生产消费",
        "total consumption ≠ industrial + non-industrial consumption",
    ),
    "feedstock_exceeds": (
        "用作原材料大于工业生产消费（或消费量合计）",
        "feedstock use exceeds industrial consumption (or total consumption)",
    ),
    "feedstock_not_allowed": (
        "电力、热力和余热余压不能用作原材料",
        "electricity, heat and recovered heat cannot be used as feedstock",
    ),
    "coefficient_mismatch": (
        "参考折标系数与能源目录相差过大",
        "reference coefficient far from the catalogue value",
    ),
    "month_jump": ("与上月相比变化过大", "large change from the previous month"),
    # electricity readings
    "empty_account": ("户号为空", "electricity account number is empty"),
    "text_too_long": ("文本过长（最多字符数）", "text is too long (most characters allowed)"),
    "bad_grain": (
        "粒度错误，应为 month、day 或 15min",
        "unknown grain, expected month, day or 15min",
    ),
    "missing_start": ("起始时间为空", "start is empty"),
    "bad_start": (
        "起始时间与粒度不符：月为 YYYY-MM，日为 YYYY-MM-DD，15分钟为 YYYY-MM-DD HH:MM "
        "或带时区偏移的 ISO 8601",
        "start does not match the grain: YYYY-MM for month, YYYY-MM-DD for day, "
        "YYYY-MM-DD HH:MM or ISO 8601 with offset for 15min",
    ),
    "off_quarter_hour": (
        "15分钟读数的起始时间须为整刻钟（00、15、30、45 分）",
        "a 15-minute reading must start on a quarter hour (:00, :15, :30, :45)",
    ),
    "missing_kwh": ("电量（kwh）为空", "kwh is empty"),
    "duplicate_reading": (
        "重复读数：户号、起始时间和粒度均相同",
        "duplicate reading: same account, start and grain",
    ),
    "nul_character": ("含有 NUL 控制字符", "contains a NUL control character"),
    "start_out_of_range": (
        "起始时间超出可接受的年份范围",
        "start is outside the accepted years",
    ),
    # construction projects: citycarbon assess
    "not_json": ("不是有效的 JSON 文件", "not a valid JSON file"),
    "missing_key": ("缺少必需的键", "a required key is missing"),
    "wrong_type": ("值的类型错误", "the value has the wrong type"),
    "bad_project_type": (
        "项目类型错误，应为 new（新建）、expansion（扩建）或 retrofit（改造）",
        "unknown project type, expected new, expansion or retrofit",
    ),
    "empty_energy": ("能源计划为空", "the energy plan is empty"),
    # budgets: citycarbon budget check (tree and period problems come from core.budgets)
    "empty_value": ("必填值为空", "a required value is empty"),
    "not_positive": ("必须大于零", "must be above zero"),
    **BUDGET_PROBLEMS,
    # plan targets: citycarbon targets progress
    "bad_choice": ("不是允许的取值", "not one of the allowed values"),
    "bad_target_year": ("目标年须晚于基准年", "the target year must be after the base year"),
    "bad_year_or_span": (
        "年份格式错误，应为 YYYY 或 YYYY-YYYY（起年不晚于止年）",
        "malformed year, expected YYYY or a span YYYY-YYYY (first year not after the last)",
    ),
    "change_out_of_range": ("变化率须大于 −100%", "a change must be above −100 %"),
    "year_outside_target": (
        "年份超出该主体和指标的目标期（变化率须在基准年之后，绝对值不早于基准年，均不晚于目标年）",
        "the year is outside the target's years (a change after the base year, an absolute "
        "value from the base year, neither after the target year)",
    ),
    "change_or_value": (
        "每行须填写 change_pct 或 value 之一，且只能填一项",
        "each row needs exactly one of change_pct and value",
    ),
    "value_needs_year": (
        "绝对值（value）行的年份须为单一年份 YYYY",
        "a row with an absolute value needs a single year YYYY",
    ),
    "target_gap": (
        "该目标的观测值不连续，缺少以下年份的变化",
        "the target's observed values miss the changes of these years",
    ),
    "target_overlap": (
        "该目标有两条观测值覆盖同一年份",
        "two of the target's observed values cover the same years",
    ),
}

ERROR_SCHEMA: Final = pl.Schema(
    {
        "row": pl.Int64,
        "column": pl.String,
        "value": pl.String,
        "code": pl.String,
        "detail": pl.String,
    }
)
"""Row errors of one file as a frame; ``row`` is the line number (header = 1, 0 = whole file)."""


MAX_ECHOED_CHARS: Final = 100
"""An error report echoes at most this many characters of a value."""


def echoed(value: str) -> str:
    """``value`` as an error report shows it: cut to ``MAX_ECHOED_CHARS`` with its length
    named, so that a 100 KB cell makes a short report rather than a 100 KB one."""
    if len(value) <= MAX_ECHOED_CHARS:
        return value
    n = len(value)
    return f"{value[:MAX_ECHOED_CHARS]}…（共 {n} 字符 / {n} chars）"


def library_message(exc: Exception) -> str:
    """The first line of a library's message: English, so for ``RowError.detail_en`` only."""
    return str(exc).splitlines()[0] if str(exc) else ""


@dataclass(frozen=True)
class RowError:
    """One rejected row (or, with ``row == 0``, a problem with the whole file). ``value`` is
    kept as reports echo it (``echoed``): every report of a row error is made from one.
    ``reason_zh`` is Chinese and ``reason_en`` English only: a worded detail comes in both
    (``detail``, ``detail_en``)."""

    file: str
    row: int
    column: str
    code: str
    value: str = ""
    detail: str = ""
    detail_en: str = ""
    """The detail in English when ``detail`` is worded in Chinese (or empty: a library's own
    message goes to the English reason only); empty when ``detail`` is language-neutral
    (figures, limits, names), which then stands in both reasons."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", echoed(self.value))

    @property
    def reason_zh(self) -> str:
        return REASONS[self.code][0] + (f"（{self.detail}）" if self.detail else "")

    @property
    def reason_en(self) -> str:
        detail = self.detail_en or self.detail
        return REASONS[self.code][1] + (f" ({detail})" if detail else "")

    def render(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        col = f" 列/column {self.column}:" if self.column else ""
        value = f" [{self.value!r}]" if self.value else ""
        return f"{where}:{col} {self.reason_zh} / {self.reason_en}{value}"


class InputFileError(Exception):
    """A file that cannot be read at all; carries the errors that say why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.render() for e in errors))
        self.errors = errors


def errors_from_frame(file: str, frame: pl.DataFrame) -> list[RowError]:
    """Turn an ``ERROR_SCHEMA`` frame into ``RowError`` values, sorted by row."""
    return [
        RowError(file=file, row=r, column=c, value=v or "", code=k, detail=d or "")
        for r, c, v, k, d in frame.sort("row", "column").iter_rows()
    ]


def empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_SCHEMA)


def with_reasons(rows: pl.DataFrame, errors: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (with ``row``) joined to their reasons: codes, columns, zh and en text."""
    zh = {k: v[0] for k, v in REASONS.items()}
    en = {k: v[1] for k, v in REASONS.items()}
    reasons = errors.group_by("row").agg(
        pl.col("column").str.join("; ").alias("error_columns"),
        pl.col("code").str.join("; ").alias("error_codes"),
        pl.col("code").replace_strict(zh, return_dtype=pl.String).str.join("; ").alias("reason_zh"),
        pl.col("code").replace_strict(en, return_dtype=pl.String).str.join("; ").alias("reason_en"),
    )
    return rows.join(reasons, on="row", how="left")
