"""Server settings, read once from the environment at start (how SageMaker configures us).

SageMaker conventions (as in AWS's reference containers): ``SAGEMAKER_BIND_TO_PORT`` (default
8080), ``MODEL_SERVER_WORKERS`` (default: the core count), ``MODEL_SERVER_TIMEOUT`` (seconds a
worker may spend on one request before gunicorn replaces it). The ``IPRE_*`` variables are ours.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# SageMaker's documented limits for a real-time invocation: request and response payloads.
MAX_BODY_BYTES = 6_291_456
MAX_RESPONSE_BYTES = 6_291_456
DEFAULT_MODEL_DIR = "/opt/ml/model"


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from its environment."""

    host: str = "0.0.0.0"
    port: int = 8080
    source: str = DEFAULT_MODEL_DIR
    # Operator cap on ids per request; None: only the limit derived from the data applies.
    max_batch: int | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_response_bytes: int = MAX_RESPONSE_BYTES
    # SageMaker fails an endpoint whose /ping is not healthy within 4 minutes; keep retrying
    # a missing source (export not written yet, S3 object not there yet) until just before that.
    load_timeout_s: float = 230.0
    load_retry_s: float = 2.0
    # How often each worker looks for a newly published export (0: never reload).
    watch_s: float = 2.0
    allow_empty: bool = False
    workers: int = 1
    # 4 rather than 8: 15 % less CPU per request on 2 cores (fewer threads contending for the
    # GIL), measured side by side in 8 of 8 paired runs (docs/benchmarks.md); SageMaker's
    # front end, not the internet, is the container's only client.
    threads: int = 4
    # Open connections per worker (busy + kept alive); beyond it gunicorn stops accepting.
    max_connections: int = 256
    timeout_s: int = 60
    keepalive_s: int = 5
    # A request whose bytes stop arriving for this long is dropped (slow-client protection).
    read_timeout_s: float = 10.0
    graceful_timeout_s: int = 20
    # One structured line per request (IPRE_ACCESS_LOG=0 turns it off), written in batches
    # every IPRE_ACCESS_LOG_FLUSH_SECONDS (accesslog.py).
    access_log: bool = True
    access_log_flush_s: float = 0.5


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return int(_number(env, name, default))


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def cores() -> int:
    """CPUs this process may run on (a container's CPU set), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    port = env.get("SAGEMAKER_BIND_TO_PORT", "").strip() or env.get("IPRE_PORT", "").strip()
    source = env.get("IPRE_RECOMMENDATIONS_URI", "").strip()
    max_batch = env.get("IPRE_MAX_BATCH", "").strip()
    return Settings(
        host=env.get("IPRE_HOST", "0.0.0.0").strip() or "0.0.0.0",
        port=int(port) if port else 8080,
        source=source or env.get("IPRE_MODEL_DIR", "").strip() or DEFAULT_MODEL_DIR,
        max_batch=int(max_batch) if max_batch else None,
        load_timeout_s=_number(env, "IPRE_LOAD_TIMEOUT_SECONDS", 230.0),
        load_retry_s=_number(env, "IPRE_LOAD_RETRY_SECONDS", 2.0),
        watch_s=_number(env, "IPRE_WATCH_SECONDS", 2.0),
        allow_empty=_flag(env, "IPRE_ALLOW_EMPTY"),
        workers=max(1, _int(env, "MODEL_SERVER_WORKERS", cores())),
        threads=max(1, _int(env, "MODEL_SERVER_THREADS", Settings.threads)),
        max_connections=max(2, _int(env, "IPRE_MAX_CONNECTIONS", 256)),
        timeout_s=max(1, _int(env, "MODEL_SERVER_TIMEOUT", 60)),
        keepalive_s=max(1, _int(env, "IPRE_KEEPALIVE_SECONDS", 5)),
        read_timeout_s=_number(env, "IPRE_READ_TIMEOUT_SECONDS", 10.0),
        graceful_timeout_s=max(1, _int(env, "IPRE_GRACEFUL_TIMEOUT_SECONDS", 20)),
        access_log=env.get("IPRE_ACCESS_LOG", "1").strip().lower() not in {"0", "false", "off"},
        access_log_flush_s=max(0.01, _number(env, "IPRE_ACCESS_LOG_FLUSH_SECONDS", 0.5)),
    )
