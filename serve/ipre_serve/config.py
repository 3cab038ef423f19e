"""Server settings, read once from the environment at start (how SageMaker configures us)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# SageMaker's documented limit for a real-time invocation payload.
MAX_BODY_BYTES = 6_291_456
# Largest batch one request may ask for: 1,000 customers x 5 recommendations stays far below
# SageMaker's 6 MB response limit (about 1.5 MB of JSON) and answers in a few milliseconds.
MAX_BATCH = 1000
DEFAULT_MODEL_DIR = "/opt/ml/model"


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from its environment."""

    host: str = "0.0.0.0"
    port: int = 8080
    source: str = DEFAULT_MODEL_DIR
    max_batch: int = MAX_BATCH
    max_body_bytes: int = MAX_BODY_BYTES
    # SageMaker fails an endpoint whose /ping is not healthy within 4 minutes; keep retrying
    # a missing source (export not written yet, S3 object not there yet) until just before that.
    load_timeout_s: float = 230.0
    load_retry_s: float = 2.0


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    port = env.get("SAGEMAKER_BIND_TO_PORT", "").strip() or env.get("IPRE_PORT", "").strip()
    source = env.get("IPRE_RECOMMENDATIONS_URI", "").strip()
    return Settings(
        host=env.get("IPRE_HOST", "0.0.0.0").strip() or "0.0.0.0",
        port=int(port) if port else 8080,
        source=source or env.get("IPRE_MODEL_DIR", "").strip() or DEFAULT_MODEL_DIR,
        max_batch=int(_number(env, "IPRE_MAX_BATCH", MAX_BATCH)),
        load_timeout_s=_number(env, "IPRE_LOAD_TIMEOUT_SECONDS", 230.0),
        load_retry_s=_number(env, "IPRE_LOAD_RETRY_SECONDS", 2.0),
    )
