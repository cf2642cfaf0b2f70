"""Hostile and broken input files, built by the tests (no committed blobs), and a way to run
the command line on them in a child process whose peak memory and time are measured.

Each builder takes the path to write and returns it. Workbooks are written by hand as zip
parts (the smallest .xlsx calamine reads) so that their cells, declared dimension and
compression can be anything; .xls files are written with xlwt. ``run_cli`` starts
``python -m citycarbon.cli`` with its own SQLite database under ``var`` and reports exit
code, output, peak RSS and seconds; ``database_rows`` counts what it wrote.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import xlwt

from tests.form205_fixtures import USCC_A, Item, write_form_csv

HEADER = "entity_id,period,energy_code,quantity,unit,purpose\n"
ROWS = ("E1,2024-01,15,1,,\n", "E1,2024-02,33,10000,kWh,\n", "E2,2024-03,32,1,百万千焦,fuel\n")
"""A valid canonical energy CSV: ``HEADER`` + ``ROWS``."""

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="205-1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def write_xlsx(path: Path, sheet_parts: Iterable[bytes], level: int = 6) -> Path:
    """An .xlsx of one sheet ``205-1`` whose XML is ``sheet_parts`` joined (streamed into
    the zip, so a huge sheet needs no memory here)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for part in sheet_parts:
                sheet.write(part)
    return path


def _sheet(rows: bytes, dimension: str | None = None) -> list[bytes]:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return [_SHEET_HEAD, dim, b"<sheetData>", rows, b"</sheetData></worksheet>"]


def _cell(ref: str, value: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'.encode()


def xlsx_far_corner(path: Path, corner: str = "XFD1048576") -> Path:
    """Values at A1 and at ``corner``: 1.5 KB that calamine would load as a dense range
    (A1:XFD1048576 is 17 billion cells; AZ1048576 is 54 million)."""
    row = "".join(ch for ch in corner if ch.isdigit())
    rows = b'<row r="1">' + _cell("A1", "单位名称") + b"</row>"
    rows += f'<row r="{row}">'.encode() + _cell(corner, "x") + b"</row>"
    return write_xlsx(path, _sheet(rows, f"A1:{corner}"), level=9)


def xlsx_lying_dimension(path: Path) -> Path:
    """Declares ``A1:B2`` but has a value at XFD1048576."""
    rows = b'<row r="1">' + _cell("A1", "a") + b"</row>"
    rows += b'<row r="1048576">' + _cell("XFD1048576", "x") + b"</row>"
    return write_xlsx(path, _sheet(rows, "A1:B2"))


def xlsx_zip_bomb(path: Path, unpacked_mb: int = 300) -> Path:
    """A sheet part of ``unpacked_mb`` MB (white space inside the sheet) packed to well
    under 1 MB."""
    block = b" " * (1024 * 1024)

    def parts() -> Iterator[bytes]:
        yield _SHEET_HEAD + b"<sheetData>"
        for _ in range(unpacked_mb):
            yield block
        yield b"</sheetData></worksheet>"

    return write_xlsx(path, parts())


def xlsx_many_cells(path: Path, rows: int = 20_000, columns: int = 210, seed: int = 7) -> Path:
    """``rows`` × ``columns`` numeric cells (4.2 million by default), a few MB packed as real
    data is (rows drawn from a pool of random ones, so not a bomb). Cells and rows carry no
    ``r`` reference: their place is implied by their order, as the format allows."""
    rng = random.Random(seed)
    pool = [
        "<row>" + "".join(f"<c><v>{rng.randrange(1000)}</v></c>" for _ in range(columns)) + "</row>"
        for _ in range(64)
    ]

    def parts() -> Iterator[bytes]:
        yield _SHEET_HEAD + b"<sheetData>"
        for start in range(0, rows, 1000):
            yield "".join(rng.choice(pool) for _ in range(min(1000, rows - start))).encode()
        yield b"</sheetData></worksheet>"

    return write_xlsx(path, parts())


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def xls_too_large(path: Path, rows: int = 60_000, last_column: int = 20) -> Path:
    """An .xls with one value per row for ``rows`` rows and one at column ``last_column`` of
    the last row: a dense range of ``rows`` × ``last_column + 1`` cells (1.26 million)."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("205-1")
    for r in range(rows):
        sheet.write(r, 0, r)
    sheet.write(rows - 1, last_column, "x")
    book.save(str(path))
    return path


def xls_rows(path: Path, rows: int) -> Path:
    """An .xls with ``rows`` rows of one value each."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("205-1")
    for r in range(rows):
        sheet.write(r, 0, r)
    book.save(str(path))
    return path


def truncated_xlsx(path: Path, good: Path) -> Path:
    """The first half of the workbook ``good``."""
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def garbage(path: Path, size: int = 4096, seed: int = 3) -> Path:
    """Random bytes (with NULs), whatever the suffix says."""
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def csv_many_columns(path: Path, columns: int = 1_000_000) -> Path:
    """A header of ``columns`` one-letter names (2 MB) and one short row."""
    path.write_bytes(b"a," * (columns - 1) + b"a\n" + b"1\n")
    return path


def csv_huge_field(path: Path, megabytes: int = 50) -> Path:
    """A canonical header and a row whose ``quantity`` field is ``megabytes`` MB of digits."""
    with path.open("wb") as f:
        f.write(HEADER.encode() + b"E1,2024-01,15,")
        block = b"1" * (1024 * 1024)
        for _ in range(megabytes):
            f.write(block)
        f.write(b",,\n")
    return path


def csv_long_header_field(path: Path, chars: int = 200_000) -> Path:
    """A canonical header whose last name is ``chars`` characters long."""
    path.write_text(HEADER.rstrip("\n") + "," + "x" * chars + "\n" + ROWS[0], encoding="utf-8")
    return path


def csv_cr_only(path: Path) -> Path:
    """A valid canonical CSV with old Mac line ends (a lone CR, Excel's "CSV (Macintosh)")."""
    path.write_bytes((HEADER + "".join(ROWS)).replace("\n", "\r").encode("utf-8"))
    return path


def csv_nul(path: Path) -> Path:
    """A canonical CSV with a NUL byte in its third line."""
    path.write_bytes((HEADER + ROWS[0]).encode() + b"E1,2024-02,33,1\x0000,kWh,\n")
    return path


def csv_gbk(path: Path) -> Path:
    """A valid canonical CSV in GBK with Chinese entity ids and units."""
    text = HEADER + "甲企业,2024-01,15,1,万立方米,\n乙企业,2024-02,32,1,百万千焦,\n"
    path.write_bytes(text.encode("gbk"))
    return path


def form_csv_cr_only(path: Path, items: list[Item]) -> Path:
    """A valid 205-1 form as CSV with lone-CR line ends."""
    write_form_csv(path, USCC_A, "宁波示例化工有限公司", "2025-03", items)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\r").replace(b"\n", b"\r"))
    return path


@dataclass(frozen=True)
class CliRun:
    code: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    seconds: float


_MEASURED = (
    "import atexit, sys\n"
    "out = sys.argv.pop(1)\n"
    "def peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            open(out, 'w').write(line.split()[1])\n"
    "atexit.register(peak)\n"
    "sys.argv[0] = 'citycarbon'\n"
    "from citycarbon.cli.main import run\n"
    "run()\n"
)
"""The child reports its own high-water RSS (``VmHWM``, kB). Not ``ru_maxrss``: Linux keeps
that across ``exec``, so a child would report the size of the parent that forked it."""


def run_cli(
    args: list[str], var: Path, *, env: dict[str, str] | None = None, timeout: float = 120
) -> CliRun:
    """``citycarbon *args`` in a child process with the database under ``var``; peak RSS
    is the child's own high-water mark written at exit (0 when it died without exiting)."""
    var.mkdir(parents=True, exist_ok=True)
    child_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE") and not k.startswith("CITYCARBON_")
    }
    child_env["CITYCARBON_VAR"] = str(var)
    child_env["COLUMNS"] = "200"
    child_env.update(env or {})
    rss_file = var / f"rss-{time.monotonic_ns()}.txt"
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(rss_file), *args],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.monotonic() - start
    rss_kb = int(rss_file.read_text()) if rss_file.exists() else 0
    return CliRun(done.returncode, done.stdout, done.stderr, rss_kb / 1024, seconds)


def database_rows(var: Path) -> dict[str, int]:
    """Rows of the energy and audit tables in the SQLite database under ``var``."""
    db = var / "citycarbon.sqlite3"
    if not db.exists():
        return {}
    tables = (
        "energy_energyrecord",
        "energy_energyupload",
        "energy_quarantinedrow",
        "audit_dataimport",
        "audit_auditevent",
    )
    with sqlite3.connect(db) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
