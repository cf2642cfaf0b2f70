"""Reading large delimited text files in bounded memory, in UTF-8 or GBK/GB18030.

A file is read as its header line plus chunks of whole lines. Chunks are decoded to
UTF-8 where the source is GB18030 (a superset of GBK and GB2312), so that downstream
parsers see UTF-8 only. Line breaks are never inside a multi-byte character in either
encoding, so splitting at ``\\n`` is safe. Fields must not contain line breaks.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from citycarbon.io.errors import InputFileError, RowError

DEFAULT_CHUNK_BYTES: Final = 32 * 1024 * 1024
ENCODINGS: Final = ("utf-8", "gb18030")


@dataclass(frozen=True)
class Chunk:
    """Whole lines of a file, re-encoded as UTF-8, with where they start."""

    data: bytes
    first_row: int
    """Line number of the first line in ``data`` (the header is line 1)."""
    lines: int
    bytes_done: int
    """Bytes of the source file consumed so far, for progress."""


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
    """A delimited text file opened for chunked reading; also hashes what it reads."""

    def __init__(
        self,
        path: Path,
        *,
        encoding: str | None = None,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> None:
        self.path = path
        self.name = str(path)
        self.size = path.stat().st_size
        self.chunk_bytes = chunk_bytes
        with path.open("rb") as f:
            sample = f.read(min(self.size, 4 * 1024 * 1024))
        self.encoding = encoding or detect_encoding(sample)
        if self.encoding.lower().replace("_", "-") in ("gbk", "gb2312", "cp936"):
            self.encoding = "gb18030"
        self.sha256 = ""

    def _fail(self, row: int, detail: str = "") -> InputFileError:
        return InputFileError([RowError(self.name, row, "", "encoding", detail=detail)])

    def _decode(self, raw: bytes, decoder: codecs.IncrementalDecoder, row: int) -> bytes:
        if self.encoding == "utf-8":
            return raw
        try:
            return decoder.decode(raw, final=False).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise self._fail(row, f"{self.encoding}: {exc.reason}") from exc

    def _header(self, line: bytes) -> bytes:
        if line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        if not line.strip():
            raise InputFileError([RowError(self.name, 1, "", "empty_header")])
        if self.encoding == "utf-8":
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self._fail(1, str(exc.reason)) from exc
            return line.rstrip(b"\r\n") + b"\n"
        try:
            return line.decode(self.encoding).rstrip("\r\n").encode("utf-8") + b"\n"
        except UnicodeDecodeError as exc:
            raise self._fail(1, f"{self.encoding}: {exc.reason}") from exc

    def header(self) -> bytes:
        """The first line, as UTF-8 ending in ``\\n``; raises if the file has none."""
        with self.path.open("rb") as f:
            return self._header(f.readline())

    def chunks(self) -> Iterator[tuple[bytes, Chunk]]:
        """Yield ``(header, chunk)`` pairs; the header is UTF-8 and ends in ``\\n``."""
        digest = hashlib.sha256()
        decoder = codecs.getincrementaldecoder(self.encoding)()
        with self.path.open("rb") as f:
            first_line = f.readline()
            digest.update(first_line)
            header = self._header(first_line)
            row = 2
            done = len(first_line)
            carry = b""
            while True:
                block = f.read(self.chunk_bytes)
                digest.update(block)
                done += len(block)
                data = carry + block
                if not block:
                    if data.strip():
                        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
                        yield header, Chunk(self._decode(data, decoder, row), row, lines, done)
                    break
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    continue
                whole, carry = data[: cut + 1], data[cut + 1 :]
                lines = whole.count(b"\n")
                yield header, Chunk(self._decode(whole, decoder, row), row, lines, done)
                row += lines
        self.sha256 = digest.hexdigest()
