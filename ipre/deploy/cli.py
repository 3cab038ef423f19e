"""`ipre deploy`: pack, upload, register in `ipre-clustering-models`, create/update the endpoint.

    ipre deploy --image-uri <ecr image> --bucket ipre-prod-poc --role-arn <execution role>
                [--recommendations export/recommendations.parquet] [--artifacts DIR]
                [--approval-status Approved|PendingManualApproval|Rejected]

Honours AWS_ENDPOINT_URL like any boto3 program (tests point it at a local moto server).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from typing import Any

import boto3
from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

from .aws import DeployTarget, deploy_endpoint, register_package, upload_archive
from .package import build_registry, pack_archive

APPROVAL_STATUSES = ("Approved", "PendingManualApproval", "Rejected")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ipre deploy", description=__doc__.splitlines()[0])
    p.add_argument(
        "--recommendations",
        default="export/recommendations.parquet",
        help="the export to ship (its manifest and no-recent-purchases file travel with it)",
    )
    p.add_argument("--artifacts", help="clustering artifacts directory to ship with the model")
    p.add_argument("--bucket", default="ipre-prod-poc", help="S3 bucket for the model archives")
    p.add_argument("--prefix", default="ipre/models", help="S3 key prefix for archives")
    p.add_argument("--image-uri", required=True, help="ECR URI of the serve/ image")
    p.add_argument(
        "--role-arn",
        default=os.environ.get("IPRE_SAGEMAKER_ROLE_ARN"),
        help="SageMaker execution role (env IPRE_SAGEMAKER_ROLE_ARN)",
    )
    p.add_argument("--group", default="ipre-clustering-models", help="model package group")
    p.add_argument(
        "--approval-status",
        default="Approved",
        choices=APPROVAL_STATUSES,
        help="model package status; only Approved rolls out to the endpoint",
    )
    p.add_argument(
        "--endpoint-name",
        default="ipre-prod-poc-endpoint",
        help="SageMaker endpoint to create or update",
    )
    p.add_argument("--instance-type", default="ml.m5.large", help="endpoint instance type")
    p.add_argument("--instance-count", type=int, default=1, help="endpoint instances")
    p.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        help="AWS region (env AWS_REGION or AWS_DEFAULT_REGION, else us-east-1)",
    )
    p.add_argument("--version", help="version label (default: UTC timestamp)")
    p.add_argument("--no-endpoint", action="store_true", help="register only, do not roll out")
    return p


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Do the deploy; returns a summary of what was created."""
    version = args.version or datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = DeployTarget(
        args.group,
        args.image_uri,
        args.endpoint_name,
        args.role_arn or "",
        args.instance_type,
        args.instance_count,
    )
    s3 = boto3.client("s3", region_name=args.region)
    sagemaker = boto3.client("sagemaker", region_name=args.region)
    registry = build_registry(
        args.recommendations, args.artifacts, args.group, args.approval_status
    )
    with tempfile.TemporaryDirectory() as workdir:
        archive = pack_archive(
            os.path.join(workdir, "model.tar.gz"), args.recommendations, args.artifacts, registry
        )
        key = f"{args.prefix.strip('/')}/{version}/model.tar.gz"
        model_data_url = upload_archive(s3, archive, args.bucket, key)
    metadata = {
        "version": version,
        "rows": str(registry["recommendations"]["rows"]),
        "recommendations_sha256": registry["recommendations"]["sha256"],
    }
    package_arn = register_package(
        sagemaker, target, model_data_url, args.approval_status, metadata
    )
    summary = {
        "version": version,
        "model_data_url": model_data_url,
        "model_package_arn": package_arn,
        "approval_status": args.approval_status,
        "endpoint_config": None,
    }
    # Only an approved version goes live: PendingManualApproval waits for a human (spec §4.3).
    if args.approval_status == "Approved" and not args.no_endpoint:
        summary["endpoint_config"] = deploy_endpoint(sagemaker, target, model_data_url, version)
    return summary


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if not os.path.isfile(args.recommendations):
        print(
            f"ipre deploy: {args.recommendations} not found; run the pipeline first",
            file=sys.stderr,
        )
        return 2
    if args.approval_status == "Approved" and not args.no_endpoint and not args.role_arn:
        print(
            "ipre deploy: --role-arn (or IPRE_SAGEMAKER_ROLE_ARN) is needed to create "
            "the endpoint; or pass --no-endpoint",
            file=sys.stderr,
        )
        return 2
    try:
        summary = run(args)
    except (ClientError, BotoCoreError, Boto3Error) as err:
        print(f"ipre deploy: AWS call failed: {err}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2))
    return 0
