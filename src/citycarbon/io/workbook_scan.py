"""The extent of each sheet of a workbook, found cheaply before the workbook is loaded.

python-calamine loads a sheet as one dense range from A1 to its last cell with a value, so a
file of a few kilobytes with values at A1 and XFD1048576 asks for hundreds of gigabytes.
This module finds that last row and column without building the range:

- .xlsx: the zip directory is checked first (unpacked size and compression ratio of each
  part, against zip bombs), then each sheet part is decompressed in chunks and its cell tags
  (``<c r="XFD1048576">``) are scanned with a regular expression, stopping as soon as a limit
  is passed. The declared ``<dimension ref=…>`` is not trusted: it can lie both ways, and
  calamine does not use it to allocate.
- .xls: the BIFF records of each sheet in the OLE container (read with ``olefile``) are
  walked; every cell record starts with its row and column.

Errors are ``InputFileError`` values in the ``io.errors`` style (zh + en, with the limit and
the environment variable that changes it).
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import olefile

from citycarbon.io.errors import InputFileError, RowError, library_message
from citycarbon.io.limits import Limits

_READ_BYTES: Final = 1024 * 1024
_SMALL_PART: Final = 1024 * 1024
"""Parts unpacking to less than this are not checked for their compression ratio."""
_MAX_XML_META: Final = 16 * 1024 * 1024
"""Bytes of workbook.xml and its relationships, parsed whole."""
_TAG: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_R_ATTR: Final = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)([0-9]*)["']""")
_NS_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# BIFF8 cell records: each starts with row (u16) and column (u16).
_CELL_RECORDS: Final = frozenset({0x0006, 0x00D6, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD})
_MULRK: Final = 0x00BD
_BOUNDSHEET: Final = 0x0085
_BOF: Final = 0x0809
_EOF: Final = 0x000A


@dataclass(frozen=True)
class SheetExtent:
    """The used range of one sheet: rows and columns from A1 to the last cell with a value."""

    name: str
    rows: int
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def _fail(source: str, code: str, detail: str = "", detail_en: str = "") -> InputFileError:
    return InputFileError([RowError(source, 0, "", code, detail=detail, detail_en=detail_en)])


def _over(value: int, limit: int, field_name: str, what_zh: str, what_en: str) -> tuple[str, str]:
    """``value > limit (its variable)`` named in Chinese and in English."""
    figures = f"{value:,} > {limit:,} ({Limits.env_name(field_name)})"
    return f"{what_zh} {figures}", f"{what_en} {figures}"


def sheet_problem(extent: SheetExtent, limits: Limits) -> tuple[str, str]:
    """Why the sheet is over a limit, in Chinese and English (``""`` when it is not)."""
    if extent.rows > limits.max_sheet_rows:
        zh, en = _over(extent.rows, limits.max_sheet_rows, "max_sheet_rows", "行数", "rows")
    elif extent.columns > limits.max_columns:
        zh, en = _over(extent.columns, limits.max_columns, "max_columns", "列数", "columns")
    elif extent.cells > limits.max_sheet_cells:
        zh, en = _over(
            extent.cells, limits.max_sheet_cells, "max_sheet_cells", "行×列", "rows × columns"
        )
    else:
        return "", ""
    return f"工作表 {extent.name!r}：{zh}", f"sheet {extent.name!r}: {en}"


def check_sheet(extent: SheetExtent, limits: Limits, source: str) -> None:
    """Raise ``InputFileError`` (``sheet_too_large``) when the sheet is over a limit."""
    zh, en = sheet_problem(extent, limits)
    if zh:
        raise _fail(source, "sheet_too_large", zh, en)


def check_file_size(size: int, limits: Limits, source: str) -> None:
    """Raise ``InputFileError`` (``file_too_large``) for a file over ``max_file_bytes``."""
    if size > limits.max_file_bytes:
        raise _fail(
            source,
            "file_too_large",
            *_over(size, limits.max_file_bytes, "max_file_bytes", "字节数", "bytes"),
        )


def workbook_extents(raw: bytes, source: str, *, limits: Limits) -> list[SheetExtent]:
    """The extent of every sheet of the .xlsx or .xls workbook in ``raw``, in workbook order.

    Raises ``InputFileError`` for a corrupt file, a zip bomb or a sheet over ``limits`` (each
    sheet is checked while it is scanned, so a huge sheet is refused early)."""
    check_file_size(len(raw), limits, source)
    if raw.startswith(b"PK"):
        return _xlsx_extents(raw, source, limits)
    if raw.startswith(olefile.MAGIC):
        return _xls_extents(raw, source, limits)
    raise _fail(source, "form_corrupt", "不是 Excel 文件", "not an Excel file")


# .xlsx


def _check_zip(book: zipfile.ZipFile, source: str, limits: Limits) -> None:
    total = 0
    for info in book.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _SMALL_PART and ratio > limits.max_compression_ratio:
            zh, en = _over(
                round(ratio),
                limits.max_compression_ratio,
                "max_compression_ratio",
                "压缩比",
                "ratio",
            )
            raise _fail(source, "zip_bomb", f"{info.filename}：{zh}", f"{info.filename}: {en}")
        if total > limits.max_unpacked_bytes:
            raise _fail(
                source,
                "zip_bomb",
                *_over(
                    total,
                    limits.max_unpacked_bytes,
                    "max_unpacked_bytes",
                    "解压后字节数",
                    "bytes unpacked",
                ),
            )


def _xml_meta(book: zipfile.ZipFile, name: str, source: str) -> ET.Element:
    try:
        info = book.getinfo(name)
    except KeyError as exc:
        raise _fail(source, "form_corrupt", f"缺少 {name}", f"missing {name}") from exc
    if info.file_size > _MAX_XML_META:
        size = f"{info.file_size:,}"
        raise _fail(source, "zip_bomb", f"{name}：{size} 字节", f"{name}: {size} bytes")
    data = book.read(name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _fail(source, "form_corrupt", f"{name}: DOCTYPE")
    return ET.fromstring(data)  # no DOCTYPE, so no entity can expand


def _sheet_parts(book: zipfile.ZipFile, source: str) -> list[tuple[str, str]]:
    """``(sheet name, zip part)`` in workbook order."""
    workbook = _xml_meta(book, "xl/workbook.xml", source)
    rels = _xml_meta(book, "xl/_rels/workbook.xml.rels", source)
    targets = {
        r.get("Id"): r.get("Target", "") for r in rels.iter() if r.tag.endswith("Relationship")
    }
    parts = []
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        target = targets.get(sheet.get(f"{{{_NS_REL}}}id"), "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        parts.append((sheet.get("name", ""), posixpath.normpath(part)))
    return parts


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _chunks(book: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    with book.open(part) as f:
        carry = b""
        while block := f.read(_READ_BYTES):
            data = carry + block
            cut = data.rfind(b"<")
            if cut >= 0 and data.find(b">", cut) < 0:
                data, carry = data[:cut], data[cut:]
                if len(carry) > _READ_BYTES:
                    raise ValueError("tag too long")
            else:
                carry = b""
            yield data
        yield carry


def _scan_sheet(
    book: zipfile.ZipFile, name: str, part: str, source: str, limits: Limits
) -> SheetExtent:
    row = col = 0
    max_row = max_col = 0
    for data in _chunks(book, part):
        for m in _TAG.finditer(data):
            attrs = m.group(2)
            ref = _R_ATTR.search(attrs)
            if m.group(1) == b"row":
                row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                col = 0
                continue
            if ref and ref.group(1):
                col = _column_number(ref.group(1))
                if ref.group(2):
                    row = int(ref.group(2))
            else:
                col += 1
            if attrs.endswith(b"/"):
                continue  # <c r="Z9" s="1"/>: a styled empty cell, not in calamine's range
            max_row, max_col = max(max_row, row), max(max_col, col)
        check_sheet(SheetExtent(name, max_row, max_col), limits, source)
    return SheetExtent(name, max_row, max_col)


def _xlsx_extents(raw: bytes, source: str, limits: Limits) -> list[SheetExtent]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            _check_zip(book, source, limits)
            extents = []
            for name, part in _sheet_parts(book, source):
                if part not in book.NameToInfo:
                    raise _fail(source, "form_corrupt", f"缺少 {part}", f"missing {part}")
                extents.append(_scan_sheet(book, name, part, source, limits))
            return extents
    except (zipfile.BadZipFile, zlib.error, EOFError, ET.ParseError, ValueError) as exc:
        raise _fail(source, "form_corrupt", detail_en=library_message(exc)) from exc


# .xls


def _records(stream: bytes, offset: int) -> Iterator[tuple[int, int, bytes]]:
    """``(offset, record type, body)`` of the BIFF records from ``offset`` on."""
    end = len(stream)
    while offset + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, offset)
        yield offset, kind, stream[offset + 4 : offset + 4 + length]
        offset += 4 + length


def _boundsheets(stream: bytes) -> list[tuple[str, int]]:
    """``(sheet name, offset of its BOF)`` from the workbook globals."""
    sheets = []
    for _, kind, body in _records(stream, 0):
        if kind == _EOF:
            break
        if kind == _BOUNDSHEET and len(body) >= 8:
            (position,) = struct.unpack_from("<I", body, 0)
            length, high_byte = body[6], body[7] & 1
            text = body[8 : 8 + length * (2 if high_byte else 1)]
            name = text.decode("utf-16-le" if high_byte else "latin-1", errors="replace")
            sheets.append((name, position))
    return sheets


def _scan_biff_sheet(
    stream: bytes, name: str, offset: int, source: str, limits: Limits
) -> SheetExtent:
    max_row = max_col = 0
    for i, (_, kind, body) in enumerate(_records(stream, offset)):
        if kind == _EOF:
            break
        if kind == _BOF and i > 0:
            break
        if kind in _CELL_RECORDS and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body, 0)
        elif kind == _MULRK and len(body) >= 6:
            row, _ = struct.unpack_from("<HH", body, 0)
            (col,) = struct.unpack_from("<H", body, len(body) - 2)
        else:
            continue
        if row + 1 > max_row or col + 1 > max_col:
            max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
            check_sheet(SheetExtent(name, max_row, max_col), limits, source)
    return SheetExtent(name, max_row, max_col)


def _xls_extents(raw: bytes, source: str, limits: Limits) -> list[SheetExtent]:
    try:
        with olefile.OleFileIO(raw) as ole:
            # The stubs type stream names as bytes; olefile takes str names.
            found = [s for s in ("Workbook", "Book") if ole.exists(s)]  # type: ignore[arg-type]
            if not found:
                raise _fail(source, "form_corrupt", "缺少 Workbook 流", "no Workbook stream")
            if ole.get_size(found[0]) > len(raw):  # type: ignore[arg-type]
                raise _fail(
                    source,
                    "form_corrupt",
                    "Workbook 流大于文件本身",
                    "Workbook stream larger than the file",
                )
            stream = ole.openstream(found[0]).read()  # type: ignore[arg-type]
    except (OSError, struct.error, ValueError) as exc:
        raise _fail(source, "form_corrupt", detail_en=library_message(exc)) from exc
    return [
        _scan_biff_sheet(stream, name, offset, source, limits)
        for name, offset in _boundsheets(stream)
    ]
