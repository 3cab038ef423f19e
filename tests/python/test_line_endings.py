"""ipre.line_endings: which files mix CRLF and LF line ends, and their LF copies (no dbt)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ipre import line_endings


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # blocks of 4 bytes: a CRLF split between two blocks must still count once
    monkeypatch.setattr(line_endings, "BLOCK", 4)


@pytest.mark.parametrize(
    ("data", "counts"),
    [(b"ab\ncd\n", (0, 2)), (b"abc\r\ndef\r\n", (2, 0)), (b"abc\r\nd\nef\r\n", (2, 1)),
     (b"a\rb\n", (0, 1)), (b"", (0, 0))],
)  # fmt: skip
def test_line_ends_are_counted_across_blocks(
    tmp_path: Path, data: bytes, counts: tuple[int, int]
) -> None:
    plain, packed = tmp_path / "x.csv", tmp_path / "x.csv.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    assert line_endings.line_end_counts(str(plain)) == counts
    assert line_endings.line_end_counts(str(packed)) == counts


def test_only_mixed_files_are_copied_and_the_copy_keeps_every_line(tmp_path: Path) -> None:
    mixed = tmp_path / "b-mixed.csv.gz"
    mixed.write_bytes(gzip.compress(b"h1,h2\r\n1,2\r\n3,4\n5,6\n"))
    (tmp_path / "a-lf.csv").write_bytes(b"h1,h2\n7,8\n")
    assert line_endings.lf_paths(str(tmp_path / "a-lf.csv"), str(tmp_path)) == ""
    pairs = json.loads(line_endings.lf_paths(str(tmp_path / "*.csv*"), str(tmp_path / "spill")))
    assert [original for _, original in pairs] == [str(tmp_path / "a-lf.csv"), str(mixed)]
    assert pairs[0][0] == pairs[0][1]  # read where it is
    assert Path(pairs[1][0]).read_bytes() == b"h1,h2\n1,2\n3,4\n5,6\n"
    # utf-16 line ends are two-byte sequences: never taken for mixed; remote paths are left
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes("h\r\n1\n".encode("utf-16"))
    assert line_endings.lf_paths(str(utf16)) == ""
    assert line_endings.lf_paths("s3://bucket/x.csv") == ""
