"""Reading large delimited text files in bounded memory, in UTF-8 or GBK/GB18030.

A file is read as its header line plus chunks of whole lines. Chunks are decoded to
UTF-8 where the source is GB18030 (a superset of GBK and GB2312), so that downstream
parsers see UTF-8 only. Line breaks are never inside a multi-byte character in either
encoding, so splitting at ``\\n`` is safe. Fields must not contain line breaks. Files whose
lines end in a lone ``\\r`` (Excel's "CSV (Macintosh)") are read as if they ended in ``\\n``.

Whatever the file's size, memory stays bounded by ``Limits``: the header may have at most
``max_columns`` names of at most ``max_field_chars`` characters, a line at most
``max_line_bytes``; a NUL byte (binary data, UTF-16) is refused where it is found.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final

from citycarbon.io.errors import InputFileError, RowError
from citycarbon.io.limits import Limits, limits_or_env

DEFAULT_CHUNK_BYTES: Final = 32 * 1024 * 1024
ENCODINGS: Final = ("utf-8", "gb18030")
NUL_DETAIL: Final = ("含 NUL 字节：二进制文件或 UTF-16", "NUL byte: binary data or UTF-16")
"""The detail of a file with a NUL byte, in Chinese and English (``RowError.detail_en``)."""
_SAMPLE_BYTES: Final = 4 * 1024 * 1024


def line_of(data: bytes, index: int) -> int:
    """The 1-based line of byte ``index`` of ``data`` (lines end in ``\\n``, else ``\\r``)."""
    return (data.count(b"\n", 0, index) or data.count(b"\r", 0, index)) + 1


@dataclass(frozen=True)
class Chunk:
    """Whole lines of a file, re-encoded as UTF-8, with where they start."""

    data: bytes
    first_row: int
    """Line number of the first line in ``data`` (the header is line 1)."""
    lines: int
    bytes_done: int
    """Bytes of the source file consumed so far, for progress."""
    limits: Limits = field(default_factory=Limits)
    """The limits of the file the chunk is from (``parse_chunk`` checks field lengths)."""


def detect_encoding(sample: bytes) -> str:
    """``utf-8`` (with or without BOM) if ``sample`` decodes as UTF-8, else ``gb18030``."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


class TextFile:
    """A delimited text file opened for chunked reading; also hashes what it reads.

    ``limits`` defaults to those of the environment (``Limits.from_env``)."""

    def __init__(
        self,
        path: Path,
        *,
        encoding: str | None = None,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        limits: Limits | None = None,
    ) -> None:
        self.path = path
        self.name = str(path)
        self.size = path.stat().st_size
        self.chunk_bytes = chunk_bytes
        self.limits = limits_or_env(limits)
        with path.open("rb") as f:
            sample = f.read(min(self.size, _SAMPLE_BYTES))
        self.encoding = encoding or detect_encoding(sample)
        if self.encoding.lower().replace("_", "-") in ("gbk", "gb2312", "cp936"):
            self.encoding = "gb18030"
        self.cr_only = b"\r" in sample and b"\n" not in sample
        """Lines end in a lone ``\\r``; every ``\\r`` is read as ``\\n`` (neither UTF-8 nor
        GB18030 has the byte 0x0D inside a character)."""
        self.sha256 = ""

    def _fail(
        self, row: int, detail: str = "", code: str = "encoding", detail_en: str = ""
    ) -> InputFileError:
        return InputFileError(
            [RowError(self.name, row, "", code, detail=detail, detail_en=detail_en)]
        )

    def _nul(self, row: int) -> InputFileError:
        return self._fail(row, NUL_DETAIL[0], detail_en=NUL_DETAIL[1])

    def _over(self, row: int, code: str, value: int, field_name: str) -> InputFileError:
        limit = getattr(self.limits, field_name)
        if field_name != "max_line_bytes":
            return self._fail(row, f"{value:,} > {limit:,} ({Limits.env_name(field_name)})", code)
        product = f"{Limits.env_name('max_columns')} × {Limits.env_name('max_field_chars')}"
        return self._fail(
            row, f"> {limit:,} 字节（{product}）", code, detail_en=f"> {limit:,} bytes ({product})"
        )

    def _decode(self, raw: bytes, decoder: codecs.IncrementalDecoder, row: int) -> bytes:
        if self.encoding == "utf-8":
            return raw
        try:
            return decoder.decode(raw, final=False).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise self._fail(
                row, self.encoding, detail_en=f"{self.encoding}: {exc.reason}"
            ) from exc

    def _header(self, line: bytes) -> bytes:
        if b"\x00" in line:
            raise self._nul(1)
        if line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        if not line.strip():
            raise InputFileError([RowError(self.name, 1, "", "empty_header")])
        if self.encoding == "utf-8":
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self._fail(1, detail_en=str(exc.reason)) from exc
        else:
            try:
                text = line.decode(self.encoding)
            except UnicodeDecodeError as exc:
                raise self._fail(
                    1, self.encoding, detail_en=f"{self.encoding}: {exc.reason}"
                ) from exc
        text = text.rstrip("\r\n")
        names = text.split(",")
        if len(names) > self.limits.max_columns:
            raise self._over(1, "too_many_columns", len(names), "max_columns")
        longest = max(names, key=len)
        if len(longest) > self.limits.max_field_chars:
            error = RowError(
                self.name,
                1,
                longest[:40],
                "field_too_long",
                detail=f"{len(longest):,} > {self.limits.max_field_chars:,} "
                f"({Limits.env_name('max_field_chars')})",
            )
            raise InputFileError([error])
        return text.encode("utf-8") + b"\n"

    def _first_line(self, f: BinaryIO) -> bytes:
        """The first line with its end, read at most ``max_line_bytes`` far."""
        limit = self.limits.max_line_bytes
        if not self.cr_only:
            line = f.readline(limit + 1)
        else:
            head = f.read(limit + 1)
            cut = head.find(b"\r")
            line = head if cut < 0 else head[: cut + 1]
            f.seek(len(line))
        if len(line) > limit and not line.endswith((b"\n", b"\r")):
            if b"\x00" in line:
                raise self._nul(1)
            raise self._over(1, "line_too_long", len(line), "max_line_bytes")
        return line

    def header(self) -> bytes:
        """The first line, as UTF-8 ending in ``\\n``; raises if the file has none."""
        with self.path.open("rb") as f:
            return self._header(self._first_line(f))

    def chunks(self) -> Iterator[tuple[bytes, Chunk]]:
        """Yield ``(header, chunk)`` pairs; the header is UTF-8 and ends in ``\\n``."""
        digest = hashlib.sha256()
        decoder = codecs.getincrementaldecoder(self.encoding)()
        limits = self.limits
        with self.path.open("rb") as f:
            first_line = self._first_line(f)
            digest.update(first_line)
            header = self._header(first_line)
            row = 2
            done = len(first_line)
            carry = b""
            while True:
                block = f.read(self.chunk_bytes)
                digest.update(block)
                done += len(block)
                if self.cr_only:
                    block = block.replace(b"\r", b"\n")
                nul = block.find(b"\x00")
                if nul >= 0:
                    raise self._nul(row + carry.count(b"\n") + block.count(b"\n", 0, nul))
                data = carry + block
                if not block:
                    if data.strip():
                        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
                        yield (
                            header,
                            Chunk(self._decode(data, decoder, row), row, lines, done, limits),
                        )
                    break
                cut = data.rfind(b"\n")
                if cut < 0:
                    if len(data) > limits.max_line_bytes:
                        raise self._over(row, "line_too_long", len(data), "max_line_bytes")
                    carry = data
                    continue
                whole, carry = data[: cut + 1], data[cut + 1 :]
                lines = whole.count(b"\n")
                yield header, Chunk(self._decode(whole, decoder, row), row, lines, done, limits)
                row += lines
                if len(carry) > limits.max_line_bytes:
                    raise self._over(row, "line_too_long", len(carry), "max_line_bytes")
        self.sha256 = digest.hexdigest()
