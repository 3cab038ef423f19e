"""Mixed line endings: a CRLF file with LF lines appended (concatenated exports) reads as LF.

DuckDB's strict CSV reader fixes one line ending per file and stops the whole scan with "CSV
Parser state machine reached an invalid state" when the other one appears; its non-strict
mode reads such files but silently truncates lines with too many fields, which would lose the
quarantine of malformed lines. So the raw-file macro asks, through the SQL function
``ipre_lf_paths(path_or_glob, temp_dir)`` registered by :mod:`ipre.duckdb_plugin`, for the
files to read: a file with both CRLF and bare LF line ends is copied once, CRLF turned into
LF, to ``temp_dir`` (gzip-aware; the copy is plain text and removed when the process exits),
every other file is read where it is. Each line keeps its number, so a quarantined line's
number is still the line in the original file. Streams in blocks: memory stays flat.

Only local files are scanned: s3:// URIs and cp1252 (``ipre1252://``) paths are returned
unchanged, as are UTF-16 files (their line ends are two-byte sequences).
"""

from __future__ import annotations

import atexit
import glob
import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

BLOCK = 8 << 20
GZIP_MAGIC = b"\x1f\x8b"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TEMP_DIRS: list[str] = []


def _open(path: str) -> BinaryIO:
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == GZIP_MAGIC
    return gzip.open(path, "rb") if gzipped else open(path, "rb")  # type: ignore[return-value]


def _blocks(path: str) -> Iterator[bytes]:
    with _open(path) as handle:
        while block := handle.read(BLOCK):
            yield block


def line_end_counts(path: str, stop_when_mixed: bool = False) -> tuple[int, int]:
    """(CRLF line ends, bare LF line ends) of a local file, gzip-aware; with stop_when_mixed,
    counted only until both have been seen."""
    crlf = lf = 0
    previous_cr = False
    for block in _blocks(path):
        # a CR ending the previous block pairs with an LF starting this one
        joined = previous_cr and block.startswith(b"\n")
        # searching one byte is ten times faster than two: most files have no CR at all
        crlf += (block.count(b"\r\n") if b"\r" in block else 0) + joined
        lf += block.count(b"\n")
        previous_cr = block.endswith(b"\r")
        if stop_when_mixed and 0 < crlf < lf:
            break
    return crlf, lf - crlf


def is_mixed(path: str) -> bool:
    with _open(path) as handle:
        if handle.read(2) in UTF16_BOMS:
            return False
    crlf, bare_lf = line_end_counts(path, stop_when_mixed=True)
    return crlf > 0 and bare_lf > 0


def write_lf_copy(path: str, out: Path) -> None:
    """The file with every CRLF turned into LF (a lone CR is kept)."""
    with out.open("wb") as target:
        pending_cr = b""
        for block in _blocks(path):
            block = pending_cr + block
            pending_cr = b"\r" if block.endswith(b"\r") else b""
            if pending_cr:
                block = block[:-1]
            target.write(block.replace(b"\r\n", b"\n"))
        target.write(pending_cr)


def _temp_dir(base: str) -> Path:
    if base:
        os.makedirs(base, exist_ok=True)
    made = tempfile.mkdtemp(prefix="ipre-lf-", dir=base or None)
    if not _TEMP_DIRS:
        atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _TEMP_DIRS])
    _TEMP_DIRS.append(made)
    return Path(made)


def lf_paths(path: str, temp_dir: str = "") -> str:
    """'' when every file of the path or glob can be read where it is; else a JSON list of
    [file to read, original file] pairs, in glob order, mixed files replaced by LF copies."""
    if "://" in path:
        return ""
    files = sorted(glob.glob(os.path.expanduser(path), recursive=True)) if glob.has_magic(
        path) else [os.path.expanduser(path)]
    files = [name for name in files if os.path.isfile(name)]
    mixed = {name for name in files if is_mixed(name)}
    if not mixed:
        return ""
    target = _temp_dir(temp_dir)
    pairs = []
    for index, name in enumerate(files):
        read = name
        if name in mixed:
            read = str(target / f"{index}-{Path(name).name.removesuffix('.gz')}")
            write_lf_copy(name, Path(read))
        pairs.append([read, name])
    return json.dumps(pairs)
