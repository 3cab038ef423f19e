"""File output: CSV or Parquet, whole tables or streamed chunk by chunk."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = ("csv", "parquet")
# Unquoted CSV keeps the seeds readable; the writer fails loudly if a value ever needs quotes.
CSV_OPTIONS = pacsv.WriteOptions(quoting_style="none")


def output_path(out: Path, prefix: str, name: str, fmt: str) -> Path:
    return out / f"{prefix}{name}.{fmt}"


class TableSink:
    """Streams record batches into one file so large outputs never sit in memory whole."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self._writer: pacsv.CSVWriter | pq.ParquetWriter = (
            pacsv.CSVWriter(str(path), schema, write_options=CSV_OPTIONS)
            if fmt == "csv"
            else pq.ParquetWriter(str(path), schema, compression="zstd")
        )

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)

    def __enter__(self) -> TableSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._writer.close()


def write_table(table: pa.Table, path: Path, fmt: str) -> None:
    with TableSink(path, table.schema, fmt) as sink:
        sink.write(table)


def write_json(data: dict[str, object], path: Path) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
