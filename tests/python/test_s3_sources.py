"""Raw inputs on s3:// through ipre.s3_filesystem (no httpfs), against a moto server on 127.0.0.1.

The filesystem is tested directly (whole and ranged reads, listing, glob, errors) and through
DuckDB; then dbt builds market_basket from CSV and Parquet sources named by s3:// vars.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ipre.s3_filesystem import S3ReadOnlyFileSystem, make_s3_client

ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
BUCKET = "ipre-raw"
REGION = "eu-west-1"

CUSTOMERS_CSV = """customer_id,customer_name,region,end_use
C1,Acme Electric,North,electrical
C2,Bolt Wiring,North,electrical
C3,Pipe Masters,South,plumbing
"""
PRODUCTS_CSV = """\
product_id,product_name,brand,l2_category,l3_category,functionality,in_stock,unit_price
P1,Cable 2.5mm,Voltix,Cables,Power cables,wiring,true,10.0
P2,Junction box,Voltix,Enclosures,Boxes,enclosure,yes,4.5
P3,Copper pipe 15mm,Flowco,Pipes,Copper,plumbing,0,7.25
"""
INVOICES = [  # invoice_id, invoice_date, customer_id, product_id, quantity
    ("I1", date(2024, 1, 10), "C1", "P1", 2),
    ("I1", date(2024, 1, 10), "C1", "P2", 1),
    ("I2", date(2024, 3, 5), "C1", "P1", 1),
    ("I3", date(2024, 2, 1), "C2", "P3", 4),
    ("I4", date(2024, 3, 1), "C3", "P2", 5),
]
# customer, product -> purchase_frequency, total_quantity, total_spend, recency_days
EXPECTED_BASKET = {
    ("C1", "P1"): (2, 3.0, 30.0, 0),
    ("C1", "P2"): (1, 1.0, 4.5, 55),
    ("C2", "P3"): (1, 4.0, 29.0, 33),
    ("C3", "P2"): (1, 5.0, 22.5, 4),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _invoices_parquet() -> bytes:
    columns = list(zip(*INVOICES, strict=True))
    names = ["invoice_id", "invoice_date", "customer_id", "product_id", "quantity"]
    buffer = io.BytesIO()
    pq.write_table(pa.table(dict(zip(names, columns, strict=True))), buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A moto S3 server on 127.0.0.1 and the AWS variables that point boto3 at it."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    no_file = str(tmp_path_factory.mktemp("aws") / "absent")
    yield {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": no_file,
        "AWS_SHARED_CREDENTIALS_FILE": no_file,
    }
    server.stop()


@pytest.fixture(scope="module")
def bucket(aws_env: dict[str, str]) -> str:
    """The raw dataset uploaded to s3://ipre-raw/ (plus objects for the listing tests)."""
    s3 = boto3.client("s3", endpoint_url=aws_env["AWS_ENDPOINT_URL"], region_name=REGION,
                      aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=BUCKET, Key="erp/customers.csv", Body=CUSTOMERS_CSV.encode())
    s3.put_object(Bucket=BUCKET, Key="erp/products.csv", Body=PRODUCTS_CSV.encode())
    s3.put_object(Bucket=BUCKET, Key="erp/invoices.parquet", Body=_invoices_parquet())
    for part in range(3):
        table = pa.table({"v": list(range(part * 10, part * 10 + 10))})
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        s3.put_object(Bucket=BUCKET, Key=f"parts/p{part}.parquet", Body=buffer.getvalue())
    s3.put_object(Bucket=BUCKET, Key="parts/nested/deep.parquet", Body=b"not read")
    s3.put_object(Bucket=BUCKET, Key="blob.bin", Body=bytes(range(256)) * 4)
    return BUCKET


@pytest.fixture
def fs(
    aws_env: dict[str, str], bucket: str, monkeypatch: pytest.MonkeyPatch
) -> S3ReadOnlyFileSystem:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in aws_env.items():
        monkeypatch.setenv(name, value)
    return S3ReadOnlyFileSystem(block_size=64)


def test_client_is_configured_from_environment(fs: S3ReadOnlyFileSystem) -> None:
    client = make_s3_client()
    assert client.meta.region_name == REGION
    assert client.meta.endpoint_url == os.environ["AWS_ENDPOINT_URL"]


def test_registering_makes_no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")  # nothing listens there
    filesystem = S3ReadOnlyFileSystem()
    duckdb.connect().register_filesystem(filesystem)
    assert filesystem._client is None


def test_reads_whole_object_and_ranges(fs: S3ReadOnlyFileSystem) -> None:
    blob = bytes(range(256)) * 4
    assert fs.cat_file("s3://ipre-raw/blob.bin") == blob
    with fs.open("s3://ipre-raw/blob.bin") as handle:  # block_size 64: many ranged reads
        handle.seek(100)
        assert handle.read(300) == blob[100:400]
        handle.seek(1000)
        assert handle.read() == blob[1000:]
    assert fs.cat_file("s3://ipre-raw/blob.bin", start=10, end=20) == blob[10:20]


def test_info_ls_and_glob(fs: S3ReadOnlyFileSystem) -> None:
    assert fs.info("s3://ipre-raw/blob.bin")["size"] == 1024
    assert fs.info("s3://ipre-raw/parts")["type"] == "directory"
    assert fs.ls("s3://ipre-raw/parts", detail=False) == [
        "ipre-raw/parts/nested", *(f"ipre-raw/parts/p{i}.parquet" for i in range(3))
    ]  # fmt: skip
    assert fs.glob("s3://ipre-raw/parts/*.parquet") == [
        f"ipre-raw/parts/p{i}.parquet" for i in range(3)
    ]
    assert "ipre-raw/parts/nested/deep.parquet" in fs.glob("s3://ipre-raw/**/*.parquet")
    assert fs.glob("s3://ipre-raw/parts/**") == [  # objects only, not the "nested" prefix
        "ipre-raw/parts/nested/deep.parquet", *(f"ipre-raw/parts/p{i}.parquet" for i in range(3))
    ]  # fmt: skip
    assert fs.glob("s3://ipre-raw/nothing/*.csv") == []


def test_missing_key_is_a_clear_error(fs: S3ReadOnlyFileSystem) -> None:
    with pytest.raises(FileNotFoundError, match="s3://ipre-raw/erp/missing.csv"):
        fs.open("s3://ipre-raw/erp/missing.csv")
    with pytest.raises(FileNotFoundError, match="no such bucket"):
        fs.glob("s3://no-such-bucket/*.csv")
    assert not fs.exists("s3://ipre-raw/erp/missing.csv")


def test_is_read_only(fs: S3ReadOnlyFileSystem) -> None:
    with pytest.raises(PermissionError, match="read-only"):
        fs.open("s3://ipre-raw/new.csv", mode="wb")


def test_duckdb_reads_csv_parquet_and_globs(fs: S3ReadOnlyFileSystem) -> None:
    con = duckdb.connect()
    con.register_filesystem(fs)
    csv = "select count(*) from read_csv('s3://ipre-raw/erp/customers.csv', header = true)"
    assert con.sql(csv).fetchall() == [(3,)]
    glob = "select count(*), sum(v) from read_parquet('s3://ipre-raw/parts/*.parquet')"
    assert con.sql(glob).fetchall() == [(30, 435)]
    with pytest.raises(Exception, match="s3://ipre-raw/erp/missing.csv"):
        con.sql("select * from read_csv('s3://ipre-raw/erp/missing.csv')").fetchall()


def test_dbt_builds_market_basket_from_s3(
    aws_env: dict[str, str], bucket: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws_env)
    env.update(
        IPRE_DUCKDB_PATH=str(tmp_path / "w.duckdb"),
        IPRE_DUCKDB_TEMP_DIRECTORY=str(tmp_path / "spill"),
        DBT_PROJECT_DIR=str(ROOT),
        DBT_PROFILES_DIR=str(ROOT),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        PYTHONPATH=str(ROOT),
    )
    dbt_vars = {
        "customers_path": f"s3://{bucket}/erp/customers.csv",
        "products_path": f"s3://{bucket}/erp/products.csv",
        "invoices_path": f"s3://{bucket}/erp/invoices.parquet",
        "feedback_path": "none",
    }
    args = [str(DBT), "build", "--select", "+market_basket", "--vars", json.dumps(dbt_vars),
            "--exclude-resource-type", "unit_test", "--indirect-selection", "cautious"]  # fmt: skip
    result = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = con.sql(
            "select customer_id, product_id, purchase_frequency, total_quantity, total_spend,"
            " recency_days from market_basket"
        ).fetchall()
    found = {(c, p): (f, float(q), float(s), int(r)) for c, p, f, q, s, r in rows}
    assert found == EXPECTED_BASKET
