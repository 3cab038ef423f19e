"""`ipre deploy` end to end against a moto server on 127.0.0.1 standing in for S3 and SageMaker.

moto 5.2.5 implements every call used here except UpdateEndpoint (NotImplementedError, a 500):
the update path is checked by answering that one call in botocore's before-call hook.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from serve_support import free_port, write_fixture

from ipre.deploy import DeployTarget, deploy_endpoint
from ipre.deploy.cli import main

GROUP = "ipre-clustering-models"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ipre-serve:1.0"
ROLE = "arn:aws:iam::123456789012:role/ipre-sagemaker"
ENDPOINT = "ipre-prod-poc-endpoint"


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.delenv("AWS_PROFILE", raising=False)
        clients = {
            name: boto3.client(name, region_name="us-east-1") for name in ("s3", "sagemaker")
        }
        clients["s3"].create_bucket(Bucket="ipre-test")
        yield clients
    server.stop()


@pytest.fixture()
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    export = write_fixture(tmp_path / "export" / "recommendations.parquet")
    artifacts = tmp_path / "artifacts"
    (artifacts / "kmeans").mkdir(parents=True)
    (artifacts / "kmeans" / "West_Plumbing.json").write_text('{"k": 3}')
    return export, artifacts


def deploy(export: Path, *extra: str) -> int:
    return main(["--recommendations", str(export), "--bucket", "ipre-test", "--image-uri", IMAGE,
                 "--role-arn", ROLE, *extra])  # fmt: skip


def archive_members(s3: Any, url: str) -> dict[str, bytes]:
    bucket, key = url.removeprefix("s3://").split("/", 1)
    blob = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_deploy_approved_version_end_to_end(aws: dict[str, Any], inputs, capsys) -> None:
    export, artifacts = inputs
    assert deploy(export, "--artifacts", str(artifacts), "--version", "v1") == 0
    summary = json.loads(capsys.readouterr().out)
    members = archive_members(aws["s3"], summary["model_data_url"])
    assert members["recommendations.parquet"] == export.read_bytes()
    assert members["artifacts/kmeans/West_Plumbing.json"] == b'{"k": 3}'
    registry = json.loads(members["model_registry.json"])
    assert registry["model_package_group"] == GROUP and registry["approval_status"] == "Approved"
    assert registry["recommendations"]["rows"] == 30
    assert "kmeans/West_Plumbing.json" in registry["artifacts"]

    package = aws["sagemaker"].describe_model_package(ModelPackageName=summary["model_package_arn"])
    assert package["ModelApprovalStatus"] == "Approved"
    assert package["ModelPackageGroupName"] == GROUP
    container = package["InferenceSpecification"]["Containers"][0]
    assert container == {"Image": IMAGE, "ModelDataUrl": summary["model_data_url"]}

    endpoint = aws["sagemaker"].describe_endpoint(EndpointName=ENDPOINT)
    config = aws["sagemaker"].describe_endpoint_config(
        EndpointConfigName=endpoint["EndpointConfigName"]
    )
    variant = config["ProductionVariants"][0]
    assert variant["InstanceType"] == "ml.m5.large"
    model = aws["sagemaker"].describe_model(ModelName=variant["ModelName"])
    assert model["PrimaryContainer"]["Image"] == IMAGE
    assert model["PrimaryContainer"]["ModelDataUrl"] == summary["model_data_url"]


def test_pending_approval_registers_without_rollout(aws: dict[str, Any], inputs, capsys) -> None:
    export, _ = inputs
    code = deploy(export, "--approval-status", "PendingManualApproval", "--version", "v2",
                  "--endpoint-name", "never-created")  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["endpoint_config"] is None
    versions = aws["sagemaker"].list_model_packages(ModelPackageGroupName=GROUP)
    statuses = {p["ModelPackageArn"]: p["ModelApprovalStatus"]
                for p in versions["ModelPackageSummaryList"]}  # fmt: skip
    assert statuses[summary["model_package_arn"]] == "PendingManualApproval"
    assert not aws["sagemaker"].list_endpoints(NameContains="never-created")["Endpoints"]


def test_existing_endpoint_is_updated_to_the_new_config(aws: dict[str, Any]) -> None:
    sagemaker, calls = aws["sagemaker"], []
    target = DeployTarget(GROUP, IMAGE, "ipre-update-endpoint", ROLE)

    def answer_update(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        calls.append(json.loads(params["body"]))  # moto does not implement UpdateEndpoint
        return AWSResponse("", 200, {}, None), {
            "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/x"
        }

    sagemaker.meta.events.register("before-call.sagemaker.UpdateEndpoint", answer_update)
    try:
        first = deploy_endpoint(sagemaker, target, "s3://ipre-test/a/model.tar.gz", "v1")
        second = deploy_endpoint(sagemaker, target, "s3://ipre-test/b/model.tar.gz", "v2")
    finally:
        sagemaker.meta.events.unregister("before-call.sagemaker.UpdateEndpoint", answer_update)
    assert first != second
    assert calls == [{"EndpointName": "ipre-update-endpoint", "EndpointConfigName": second}]


def test_missing_export_or_role_is_a_usage_error(tmp_path: Path, inputs) -> None:
    export, _ = inputs
    assert main(["--recommendations", str(tmp_path / "nope.parquet"), "--image-uri", IMAGE]) == 2
    assert main(["--recommendations", str(export), "--image-uri", IMAGE, "--role-arn", ""]) == 2


def test_aws_failure_is_reported_not_raised(aws: dict[str, Any], inputs, capsys) -> None:
    export, _ = inputs
    assert main(["--recommendations", str(export), "--bucket", "no-such-bucket",
                 "--image-uri", IMAGE, "--no-endpoint"]) == 1  # fmt: skip
    assert "AWS call failed" in capsys.readouterr().err


def test_manifest_and_customer_list_travel_with_the_export(aws: dict[str, Any], tmp_path: Path,
                                                           capsys) -> None:  # fmt: skip
    from serve_support import publish, reorder_rows

    export = publish(tmp_path / "export", no_recent=["M1"], reorders=reorder_rows())
    assert deploy(export, "--version", "v9", "--approval-status", "PendingManualApproval") == 0
    members = archive_members(aws["s3"], json.loads(capsys.readouterr().out)["model_data_url"])
    for name in ("recommendations.parquet", "recommendations.manifest.json",
                 "no_recent_purchases.parquet", "reorder_reminders.parquet"):  # fmt: skip
        assert members[name] == (tmp_path / "export" / name).read_bytes()
