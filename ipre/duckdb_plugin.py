"""dbt-duckdb plugin: serve ``s3://`` paths through :mod:`ipre.s3_filesystem` (no httpfs), and
cp1252 files as UTF-8 through :mod:`ipre.transcoding_filesystem` (no encodings extension),
Excel workbooks as CSV through :mod:`ipre.xlsx_filesystem` (no excel extension), and
the SQL function ``ipre_lf_paths`` for files with mixed line endings (:mod:`ipre.line_endings`).

Loaded by the profile (``plugins: [{module: ipre.duckdb_plugin, alias: ipre_s3}]``):
dbt-duckdb imports this module by name and instantiates its class ``Plugin`` once per run,
then calls ``configure_connection`` on the new DuckDB connection. Registering the filesystem
only creates an object; the boto3 client is made on the first S3 read, so runs on local
files make no network call and need no AWS settings.
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from ipre.line_endings import lf_paths
from ipre.s3_filesystem import S3ReadOnlyFileSystem
from ipre.transcoding_filesystem import Cp1252AsUtf8FileSystem
from ipre.xlsx_filesystem import XlsxAsCsvFileSystem


class Plugin(BasePlugin):
    """Registers a read-only S3 filesystem on every DuckDB connection dbt opens."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        conn.register_filesystem(S3ReadOnlyFileSystem())
        # cp1252 inputs (var input_encoding) are read as UTF-8 through ipre1252://<path>
        conn.register_filesystem(Cp1252AsUtf8FileSystem())
        # .xlsx inputs are read as the CSV of their first sheet through iprexlsx://<path>
        conn.register_filesystem(XlsxAsCsvFileSystem())
        # files with mixed CRLF / LF line ends are read from an LF copy (ipre.line_endings)
        conn.create_function(
            "ipre_lf_paths", lf_paths, ["VARCHAR", "VARCHAR"], "VARCHAR", side_effects=True
        )
