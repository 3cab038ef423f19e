"""Loading the export from S3 (a moto server on 127.0.0.1 stands in for AWS)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from serve_support import expected_items, fixture_rows, free_port, running_server, write_fixture

ROWS = fixture_rows(customers=4)
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _s3(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip


def test_loads_from_s3_uri(moto_endpoint: str, tmp_path: Path) -> None:
    s3 = _s3(moto_endpoint)
    s3.create_bucket(Bucket="ipre-serve")
    s3.upload_file(str(write_fixture(tmp_path / "r.parquet", ROWS)), "ipre-serve",
                   "final/recommendations.parquet")  # fmt: skip
    env = {**AWS_ENV, "AWS_ENDPOINT_URL": moto_endpoint,
           "IPRE_RECOMMENDATIONS_URI": "s3://ipre-serve/final/"}  # fmt: skip
    with running_server(env) as srv:
        srv.wait_ready()
        status, body = srv.invoke({"customer_id": "C00003"})
        assert status == 200
        assert body["recommendations"] == expected_items(ROWS, "C00003")


def test_waits_for_s3_object_then_loads(moto_endpoint: str, tmp_path: Path) -> None:
    s3 = _s3(moto_endpoint)
    s3.create_bucket(Bucket="ipre-late")
    env = {**AWS_ENV, "AWS_ENDPOINT_URL": moto_endpoint, "IPRE_LOAD_RETRY_SECONDS": "0.05",
           "IPRE_RECOMMENDATIONS_URI": "s3://ipre-late/recommendations.parquet"}  # fmt: skip
    with running_server(env) as srv:
        assert srv.request("GET", "/ping")[0] == 503
        s3.upload_file(str(write_fixture(tmp_path / "r.parquet", ROWS)), "ipre-late",
                       "recommendations.parquet")  # fmt: skip
        srv.wait_ready()
        # each worker's loader polls on its own: a request may reach one still loading (503)
        # for a moment after another answered /ping
        deadline = time.monotonic() + 20
        while (answer := srv.invoke({"customer_ids": ["C00000"]}))[0] == 503:
            assert time.monotonic() < deadline, "a worker never loaded the S3 export"
            time.sleep(0.05)
        assert answer[0] == 200 and answer[1]["results"][0]["known_customer"]


def test_s3_export_is_checked_against_its_manifest(moto_endpoint: str, tmp_path: Path) -> None:
    from serve_support import MANIFEST, publish, reorder_rows

    s3 = _s3(moto_endpoint)
    s3.create_bucket(Bucket="ipre-manifest")
    good, bad = tmp_path / "good", tmp_path / "bad"
    publish(good, ROWS, no_recent=["M1"], reorders=reorder_rows())
    publish(bad, ROWS, flip=True)
    env = {**AWS_ENV, "AWS_ENDPOINT_URL": moto_endpoint, "MODEL_SERVER_WORKERS": "1"}
    for folder, prefix in ((good, "good"), (bad, "bad")):
        for name in ("recommendations.parquet", MANIFEST, "no_recent_purchases.parquet",
                     "reorder_reminders.parquet"):  # fmt: skip
            if (folder / name).exists():
                s3.upload_file(str(folder / name), "ipre-manifest", f"{prefix}/{name}")
    with running_server({**env, "IPRE_RECOMMENDATIONS_URI": "s3://ipre-manifest/good/"}) as srv:
        srv.wait_ready()
        assert srv.request("GET", "/info")[1]["verified"] is True
        assert srv.invoke({"customer_id": "M1"})[1]["status"] == "no_recent_purchases"
        assert len(srv.invoke({"customer_id": "C00003"})[1]["reorders"]) == 2
    with running_server({**env, "IPRE_RECOMMENDATIONS_URI": "s3://ipre-manifest/bad/"}) as srv:
        status, body = srv.request("GET", "/ping")
        assert status == 503 and body["error"]["code"] == "integrity_error"
