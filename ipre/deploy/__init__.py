"""`ipre deploy`: pack the model archive, upload it, register it, roll out the endpoint.

Uses boto3's SageMaker client rather than the sagemaker SDK: SDK v3 pins pyarrow below the
version the pipeline needs, so it cannot share the main environment. ``package`` builds
``model.tar.gz`` (layout read by serve/ipre_serve/loader.py), ``aws`` does the three AWS steps,
``cli`` wires them to the command line.
"""

from .aws import DeployTarget, deploy_endpoint, register_package, upload_archive
from .package import build_registry, pack_archive

__all__ = [
    "DeployTarget",
    "build_registry",
    "deploy_endpoint",
    "pack_archive",
    "register_package",
    "upload_archive",
]
