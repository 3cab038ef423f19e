"""Real-world input files: spec-shaped columns, lines the CSV reader cannot parse, absurd
values, other encodings, empty files and hostile paths (docs/inputs.md).

One small build reads a deliberately dirty, spec-shaped dataset from a directory named
parquet_exports with a quote in its path; the failure cases only run the model that reads
the file, so each costs one dbt parse.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import WarehouseBuildError, build_warehouse

SELECT = "+quarantined_rows +input_reconciliation"

# spec §3 columns only, upper-case names: no customer_name, brand, price or invoice_id
CUSTOMERS = "CUSTOMER_ID,REGION,END_USE\nC1,North,Plumbing\nC2,North,Plumbing\nC3,South,HVAC\n"
PRODUCTS = (
    "Product_ID,L2_Category,L3_Category,Functionality,In_Stock\n"
    "P1,Pipes,Copper,plumbing,true\nP2,Valves,Ball,plumbing,true\nP3,Fans,Axial,hvac,false\n"
)
GOOD_LINES = [
    "2024-01-10,C1,P1,2",
    "2024-01-10,C1,P2,1",
    "2024-01-10 17:30:00,C1,P3,1",
    "2024-02-01,C2,P1,4",
    "2024-03-01,C3,P2,5",
]
# raw quantity or date -> expected reason
DIRTY_LINES = {
    "2024-03-02,C3,P1,NaN": "non_finite_quantity",
    "2024-03-02,C3,P2,inf": "non_finite_quantity",
    "2024-03-02,C3,P3,-inf": "non_finite_quantity",
    "2024-03-03,C3,P1,1e308": "non_finite_quantity",
    "2024-03-03,C3,P2,2000000000": "non_finite_quantity",
    "2024-03-04,C2,P2,1_000": "non_numeric_quantity",
    "2024-03-04,C2,P3,0x10": "non_numeric_quantity",
    "1900-01-01,C2,P1,1": "implausible_invoice_date",
    "0001-01-01,C2,P2,1": "implausible_invoice_date",
    # no sniffer: a line starting with # is data, not a comment silently dropped
    "#2024-03-06,C2,P3,1": "unparseable_invoice_date",
    # a quote inside an unquoted field is kept as text: the line parses, the id is unknown
    '2024-03-07,C1,P"1,1': "unknown_product_id",
}
RAGGED_LINES = ["2024-03-05,C1,P1,1,surplus", "2024-03-05,C1"]
BINARY_LINE = b"\x00\x01\xff\xfe\x80\x9f garbage \xc3"


def write_invoices(path: Path) -> int:
    """The dirty invoices file; returns its number of data lines."""
    text_lines = GOOD_LINES + list(DIRTY_LINES) + RAGGED_LINES
    body = "\n".join(text_lines).encode() + b"\n" + BINARY_LINE + b"\n"
    path.write_bytes(b"invoice_date,customer_id,product_id,quantity\n" + body)
    return len(text_lines) + 1


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # a CSV under parquet_exports/ must be read as CSV; a quote in a path is data
    out = tmp_path_factory.mktemp("inputs") / "parquet_exports" / "o'brien"
    out.mkdir(parents=True)
    (out / "customers.csv").write_text(CUSTOMERS)
    (out / "products.csv").write_text(PRODUCTS)
    write_invoices(out / "invoices.csv")
    return out


def dataset(data_dir: Path, **paths: str) -> dict[str, str]:
    files = {
        "customers_path": str(data_dir / "customers.csv"),
        "products_path": str(data_dir / "products.csv"),
        "invoices_path": str(data_dir / "invoices.csv"),
        "feedback_path": "none",
        # dirty on purpose: most invoice lines are quarantined, which would stop a real build
        "max_quarantined_share": 1,
    }
    return {**files, **paths}


@pytest.fixture(scope="module")
def warehouse(data_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    db_path = data_dir.parent / "spec_shaped.duckdb"
    build_warehouse(data_dir, db_path, vars=dataset(data_dir), select=SELECT)
    connection = duckdb.connect(str(db_path), read_only=True)
    yield connection
    connection.close()


def fails_with(data_dir: Path, name: str, entity: str, select: str = "", **vars: str) -> str:
    """Run only raw_file_<entity> (or select) and return dbt's error output (it must fail)."""
    with pytest.raises(WarehouseBuildError) as failure:
        build_warehouse(
            data_dir,
            data_dir.parent / f"{name}.duckdb",
            vars=dataset(data_dir, **vars),
            select=select or f"raw_file_{entity}",
        )
    return str(failure.value)


def test_spec_shaped_inputs_build(warehouse, data_dir: Path) -> None:
    rows = warehouse.sql(
        "select source_name, raw_rows, accepted_rows, quarantined_rows, missing_optional_columns"
        " from input_reconciliation order by source_name"
    ).fetchall()
    assert rows == [
        ("customers", 3, 3, 0, "customer_name"),
        ("feedback", 0, 0, 0, None),
        ("invoices", write_invoices(data_dir.parent / "count.csv"), len(GOOD_LINES),
         len(DIRTY_LINES) + len(RAGGED_LINES) + 1, "invoice_id, unit_price"),
        ("products", 3, 3, 0, "product_name, brand, unit_price"),
    ]
    assert all(raw == accepted + quarantined for _, raw, accepted, quarantined, _ in rows)
    log = (data_dir.parent / "spec_shaped_dbt" / "logs" / "dbt.log").read_text()
    assert "The customers input has no optional column customer_name" in log


def test_without_invoice_id_an_invoice_is_a_customer_day(warehouse) -> None:
    ids = warehouse.sql(
        "select distinct invoice_id from intermediate.int_invoices_validated"
        " where quarantine_reason is null and customer_id = 'C1'"
    ).fetchall()
    assert ids == [("C1@2024-01-10",)]


def test_absurd_values_are_quarantined_with_their_reason(warehouse) -> None:
    rows = warehouse.sql(
        "select reason_code, raw_row from quarantined_rows where source_name = 'invoices'"
    ).fetchall()
    for line, reason in DIRTY_LINES.items():
        date, customer, product, quantity = line.split(",")
        matching = [
            code for code, raw in rows
            if f"quantity={quantity}" in raw and f"invoice_date={date}" in raw
            and f"product_id={product}" in raw
        ]
        assert matching == [reason], line


def test_unparseable_lines_are_quarantined_with_the_reader_reason(warehouse) -> None:
    rows = warehouse.sql(
        "select raw_row from quarantined_rows where reason_code = 'unparseable_line'"
    ).fetchall()
    raw = [row[0] for row in rows]
    assert len(raw) == len(RAGGED_LINES) + 1
    assert any("TOO MANY COLUMNS" in text and RAGGED_LINES[0] in text for text in raw)
    assert any("MISSING COLUMNS" in text and RAGGED_LINES[1] in text for text in raw)
    assert any("garbage" in text for text in raw)
    assert all("invoices.csv line " in text for text in raw)


def test_latin1_file_reads_with_input_encoding(tmp_path: Path, data_dir: Path) -> None:
    latin = tmp_path / "customers_latin1.csv"
    latin.write_bytes("customer_id,region,end_use\nC1,Région,Plumbing\n".encode("latin-1"))
    db_path = build_warehouse(
        data_dir, tmp_path / "latin.duckdb", select="raw_file_customers",
        vars={**dataset(data_dir, customers_path=str(latin)), "input_encoding": "latin-1"},
    )
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.sql("select region from staging.raw_file_customers").fetchall() == [
            ("Région",)
        ]


def test_cp1252_file_reads_with_input_encoding(tmp_path: Path, data_dir: Path) -> None:
    cp1252 = tmp_path / "customers_cp1252.csv"
    cp1252.write_bytes("customer_id,region,end_use\nC1,Région – Nord €,Plumbing\n".encode("cp1252"))
    db_path = build_warehouse(
        data_dir, tmp_path / "cp1252.duckdb", select="raw_file_customers",
        vars={**dataset(data_dir, customers_path=str(cp1252)), "input_encoding": "cp1252"},
    )
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.sql("select region from staging.raw_file_customers").fetchall() == [
            ("Région – Nord €",)
        ]


def test_wrong_encoding_fails_naming_file_and_var(tmp_path: Path, data_dir: Path) -> None:
    # every line in another encoding: each is quarantined (invalid_encoding), none is kept,
    # so the build stops after staging naming the var (docs/inputs.md, "No riddles")
    latin = tmp_path / "customers_latin1.csv"
    latin.write_bytes("customer_id,region,end_use\nC1,Région,Plumbing\n".encode("latin-1"))
    error = fails_with(data_dir, "wrong_encoding", "customers", customers_path=str(latin),
                       select="raw_file_customers stg_erp__customers")  # fmt: skip
    assert f"file {latin} line 2: INVALID ENCODING" in error
    assert "most as invalid_encoding" in error and "set the var input_encoding" in error


@pytest.mark.parametrize("content", [b"", b"invoice_date,customer_id,product_id,quantity\n"])
def test_empty_invoices_fail_naming_the_file(
    tmp_path: Path, data_dir: Path, content: bytes
) -> None:
    empty = tmp_path / "invoices_empty.csv"
    empty.write_bytes(content)
    error = fails_with(data_dir, "empty", "invoices", invoices_path=str(empty))
    assert str(empty) in error
    assert ("no data rows" if content else "empty (0 bytes)") in error


def test_missing_required_column_fails_naming_file_and_column(
    tmp_path: Path, data_dir: Path
) -> None:
    no_id = tmp_path / "products.csv"
    no_id.write_text("sku,l2_category\nP1,Pipes\n")
    error = fails_with(data_dir, "no_id", "products", products_path=str(no_id))
    assert str(no_id) in error
    assert "required column(s) product_id" in error
    assert "var products_columns, e.g. products_columns: {product_id: <its column>}" in error


def test_a_master_without_its_segment_columns_gets_one_value(
    tmp_path: Path, data_dir: Path
) -> None:
    no_region = tmp_path / "customers.csv"
    no_region.write_text("customer_id,end_use\nC1,Plumbing\n")
    db_path = build_warehouse(
        data_dir, tmp_path / "no_region.duckdb", select="raw_file_customers",
        vars=dataset(data_dir, customers_path=str(no_region)),
    )
    with duckdb.connect(str(db_path), read_only=True) as connection:
        rows = connection.sql("select customer_id, region, end_use from staging.raw_file_customers")
        assert rows.fetchall() == [("C1", "Unknown", "Plumbing")]


def test_a_path_cannot_inject_sql(data_dir: Path) -> None:
    crafted = (
        f"{data_dir / 'customers.csv'}', all_varchar = true, header = true)"
        " union all select 'INJ1', 'North', 'Plumbing' --"
    )
    error = fails_with(data_dir, "injection", "customers", customers_path=crafted)
    assert "No file matches" in error
    assert "INJ1" not in error.replace(crafted, "")


def test_a_quote_in_the_path_and_a_parquet_named_folder_work(warehouse, data_dir: Path) -> None:
    assert "'" in str(data_dir) and "parquet_exports" in str(data_dir)
    assert warehouse.sql("select count(*) from staging.stg_erp__customers").fetchall() == [(3,)]


def test_reader_by_extension_or_format_var(tmp_path: Path, data_dir: Path) -> None:
    tsv = tmp_path / "customers.tsv"
    tsv.write_text("customer_id\tregion\tend_use\nC1\tNorth, East\tPlumbing\n")
    parquet = tmp_path / "products_export"  # no extension: products_format says parquet
    duckdb.read_csv(str(data_dir / "products.csv"), all_varchar=True).write_parquet(str(parquet))
    # a glob of CSV files: each file's header is skipped, a rejected line names its file
    parts = tmp_path / "invoices"
    parts.mkdir()
    header = "invoice_date,customer_id,product_id,quantity\n"
    (parts / "part-1.csv").write_text(header + "2024-01-10,C1,P1,2\n")
    (parts / "part-2.csv").write_text(header + "2024-01-11,C2,P2,1\n2024-01-11,C2\n")
    db_path = build_warehouse(
        data_dir, tmp_path / "formats.duckdb",
        select="raw_file_customers raw_file_products raw_file_invoices",
        vars={**dataset(data_dir, customers_path=str(tsv), products_path=str(parquet),
                        invoices_path=str(parts / "part-*.csv")),
              "products_format": "parquet"},
    )
    with duckdb.connect(str(db_path), read_only=True) as connection:
        assert connection.sql("select region from staging.raw_file_customers").fetchall() == [
            ("North, East",)
        ]
        products = connection.sql("select count(*) from staging.raw_file_products").fetchall()
        assert products == [(3,)]
        invoices = connection.sql(
            "select customer_id, reader_rejection from staging.raw_file_invoices order by all"
        ).fetchall()
        assert [row[0] for row in invoices] == ["C1", "C2", None]
        assert "part-2.csv line 3: MISSING COLUMNS" in invoices[2][1]


def test_cp1252_filesystem_keeps_every_byte() -> None:
    from ipre.transcoding_filesystem import cp1252_to_utf8

    # 0x80 and 0x96 are € and – in cp1252; 0x81 is undefined there and keeps its latin-1 meaning
    assert cp1252_to_utf8(b"\x80 \x96 \xe9 \x81") == "€ – é \x81".encode()
