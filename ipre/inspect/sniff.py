"""What the bytes of a text export say: compression, encoding, line ends, delimiter, header.

One streaming pass over the (decompressed) bytes counts CRLF and bare LF line ends and checks
that every line is UTF-8. A line that is not, and has no control bytes, is text in another
encoding (a line of binary garbage is the reader's unparseable_line instead); the bytes
0x80-0x9f in such lines tell cp1252 (curly quotes, the euro sign) from latin-1, where they
are control characters no export writes.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

BLOCK = 8 << 20
GZIP_MAGIC = b"\x1f\x8b"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"
CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")
# the bytes cp1252 gives a printable meaning that latin-1 leaves as C1 control characters
CP1252_ONLY = re.compile(rb"[\x80\x82-\x8c\x8e\x91-\x9c\x9e\x9f]")
DELIMITERS = (",", ";", "\t", "|")
EXAMPLES = 3


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_bytes(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if is_gzip(path) else path.open("rb")  # type: ignore[return-value]


def blocks(path: Path) -> Iterator[bytes]:
    with open_bytes(path) as handle:
        while block := handle.read(BLOCK):
            yield block


def head(path: Path, size: int = 1 << 16) -> bytes:
    with open_bytes(path) as handle:
        return handle.read(size)


@dataclass
class ByteScan:
    crlf: int = 0
    lf: int = 0  # bare LF line ends
    foreign_lines: int = 0  # not UTF-8 and no control bytes: text in another encoding
    cp1252_lines: int = 0  # of those, lines with a byte only cp1252 makes printable
    examples: list[tuple[int, bytes]] = field(default_factory=list)  # (line number, line)

    @property
    def mixed_line_ends(self) -> bool:
        return self.crlf > 0 and self.lf > 0


def scan_bytes(path: Path) -> ByteScan:
    """Line ends and UTF-8 validity of every line, in one pass of BLOCK-sized reads."""
    scan = ByteScan()
    carry = b""
    line_number = 1
    for block in blocks(path):
        complete, newline, carry = (carry + block).rpartition(b"\n")
        text = complete + newline
        scan.crlf += text.count(b"\r\n")
        scan.lf += text.count(b"\n")
        _check_utf8(text, line_number, scan)
        line_number += text.count(b"\n")
    if carry:
        _check_utf8(carry, line_number, scan)
    scan.lf -= scan.crlf
    return scan


def _check_utf8(text: bytes, first_line: int, scan: ByteScan) -> None:
    """Whole lines only, so no multi-byte character is cut (UTF-8 never has 0x0a inside one)."""
    try:
        text.decode("utf-8")
        return
    except UnicodeDecodeError:
        pass
    for offset, line in enumerate(text.split(b"\n")):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            if CONTROL.search(line.rstrip(b"\r")):
                continue  # binary garbage: the reader rejects it as a malformed line
            scan.foreign_lines += 1
            scan.cp1252_lines += bool(CP1252_ONLY.search(line))
            if len(scan.examples) < EXAMPLES:
                scan.examples.append((first_line + offset, line.rstrip(b"\r")))


def guess_encoding(start: bytes, scan: ByteScan | None) -> str:
    """utf-16 by its byte-order mark; utf-8 when every text line is; else cp1252 or latin-1."""
    if start.startswith(UTF16_BOMS):
        return "utf-16"
    if scan is None or scan.foreign_lines == 0:
        return "utf-8"
    return "cp1252" if scan.cp1252_lines else "latin-1"


def header_line(start: bytes, encoding: str) -> str:
    """The first line of the file as text (byte-order mark removed)."""
    codec = {"utf-16": "utf-16", "utf-8": "utf-8-sig"}.get(encoding, encoding)
    text = start.decode(codec, errors="replace")
    return text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""


def detect_delimiter(line: str, default: str = ",") -> str:
    """The candidate seen most often outside quotes in the header line; ties go to default."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = {delimiter: outside.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts.values())
    if best == 0 or counts.get(default, 0) == best:
        return default
    return max(DELIMITERS, key=lambda delimiter: counts[delimiter])


def parse_header(line: str, delimiter: str) -> list[str]:
    """Column names as the build reads them: split, trimmed, surrounding quotes removed."""
    names = []
    for index, part in enumerate(line.split(delimiter), start=1):
        name = part.strip()
        if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
            name = name[1:-1].replace('""', '"').strip()
        names.append(name or f"column_{index}")
    return names
