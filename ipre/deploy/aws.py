"""The AWS side of a deploy, with boto3 clients passed in (so tests point them at a mock).

Order matters: the archive must be in S3 before a package version names it, and only an
``Approved`` version is rolled out (``PendingManualApproval`` is the human gate of spec §4.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

CONTENT_TYPES = ["application/json", "text/csv"]


@dataclass(frozen=True)
class DeployTarget:
    """Where and how one version is registered and served."""

    group: str
    image_uri: str
    endpoint_name: str
    role_arn: str
    instance_type: str = "ml.m5.large"
    instance_count: int = 1


def upload_archive(s3: Any, archive: str, bucket: str, key: str) -> str:
    """Upload ``archive`` and return its ``s3://`` URI."""
    s3.upload_file(archive, bucket, key)
    return f"s3://{bucket}/{key}"


def _ensure_group(sagemaker: Any, group: str) -> None:
    try:
        sagemaker.describe_model_package_group(ModelPackageGroupName=group)
    except ClientError:
        sagemaker.create_model_package_group(
            ModelPackageGroupName=group,
            ModelPackageGroupDescription="IPRE customer clustering and recommendations",
        )


def register_package(
    sagemaker: Any,
    target: DeployTarget,
    model_data_url: str,
    approval_status: str,
    metadata: dict[str, str],
) -> str:
    """Register a new version in the model package group; returns its ARN."""
    _ensure_group(sagemaker, target.group)
    response = sagemaker.create_model_package(
        ModelPackageGroupName=target.group,
        ModelPackageDescription=f"IPRE recommendations, archive {model_data_url}",
        InferenceSpecification={
            "Containers": [{"Image": target.image_uri, "ModelDataUrl": model_data_url}],
            "SupportedContentTypes": CONTENT_TYPES,
            "SupportedResponseMIMETypes": ["application/json"],
            "SupportedRealtimeInferenceInstanceTypes": [target.instance_type],
        },
        ModelApprovalStatus=approval_status,
        CustomerMetadataProperties=metadata,
    )
    return response["ModelPackageArn"]


def _endpoint_exists(sagemaker: Any, name: str) -> bool:
    try:
        sagemaker.describe_endpoint(EndpointName=name)
    except ClientError:
        return False
    return True


def deploy_endpoint(sagemaker: Any, target: DeployTarget, model_data_url: str, version: str) -> str:
    """Create a model and endpoint config for this version, then create or update the endpoint.

    Each version gets its own model and config (names carry ``version``) so an update is a
    switch SageMaker can roll back, never an in-place edit. Returns the endpoint config name.
    """
    name = f"{target.endpoint_name}-{version}"[:63]
    sagemaker.create_model(
        ModelName=name,
        PrimaryContainer={"Image": target.image_uri, "ModelDataUrl": model_data_url},
        ExecutionRoleArn=target.role_arn,
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": name,
                "InitialInstanceCount": target.instance_count,
                "InstanceType": target.instance_type,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    if _endpoint_exists(sagemaker, target.endpoint_name):
        sagemaker.update_endpoint(EndpointName=target.endpoint_name, EndpointConfigName=name)
    else:
        sagemaker.create_endpoint(EndpointName=target.endpoint_name, EndpointConfigName=name)
    return name
