"""The container definition, checked without Docker (which these machines cannot run)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from serve_support import ROOT

SERVE_DIR = ROOT / "serve"
DOCKERFILE = (SERVE_DIR / "Dockerfile").read_text()


def test_entrypoint_is_exec_form_running_the_serve_program() -> None:
    line = next(x for x in DOCKERFILE.splitlines() if x.startswith("ENTRYPOINT"))
    assert json.loads(line.removeprefix("ENTRYPOINT").strip()) == ["python", "/opt/program/serve"]
    assert 'PATH="/opt/program:' in DOCKERFILE  # `serve` is also on PATH


def test_labels_base_and_user() -> None:
    assert "com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true" in DOCKERFILE
    assert re.search(r"^USER 10001$", DOCKERFILE, re.M)


def test_base_image_is_pinned_by_digest() -> None:
    froms = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, re.M)
    assert froms, "no FROM line"
    for image in froms:  # every stage: a tag alone can move under us
        assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", image), image


def test_requirements_are_exact_pins_with_hashes() -> None:
    text = (SERVE_DIR / "requirements.txt").read_text().replace("\\\n", " ")
    pins = [x for x in text.splitlines() if x.strip() and not x.startswith("#")]
    pattern = r"[A-Za-z0-9_.\-\[\]]+==[\w.]+( +--hash=sha256:[0-9a-f]{64})+"
    assert pins and all(re.fullmatch(pattern, x) for x in pins), pins
    names = {x.split("==")[0] for x in pins}
    assert {"pyarrow", "boto3", "gunicorn", "botocore"} <= names
    assert "--require-hashes" in DOCKERFILE


def test_requirements_hold_the_whole_dependency_tree() -> None:
    """pip --require-hashes refuses a dependency without a hash: every runtime dependency of
    every pinned package (as installed here, same versions) must be pinned too."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    text = (SERVE_DIR / "requirements.txt").read_text()
    pinned = {canonicalize_name(n) for n in re.findall(r"^([A-Za-z0-9_.\-]+)==", text, re.M)}
    needed = set()
    for name in pinned:
        for spec in requires(name) or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                needed.add(canonicalize_name(req.name))
    assert needed <= pinned, needed - pinned


def test_container_pins_match_the_project_lock() -> None:
    lock = dict(x.split("==") for x in (ROOT / "requirements.lock").read_text().splitlines()
                if "==" in x and not x.startswith("#"))  # fmt: skip
    text = (SERVE_DIR / "requirements.txt").read_text()
    for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==([\w.]+)", text, re.M):
        assert lock.get(name) == version, name


def test_every_copied_path_exists_in_the_build_context() -> None:
    for source in re.findall(r"^COPY (?:--\S+ )*(\S+) ", DOCKERFILE, re.M):
        assert (SERVE_DIR / source).exists(), source


def test_serve_refuses_other_modes() -> None:
    done = subprocess.run([sys.executable, str(SERVE_DIR / "serve"), "train"],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 2 and "only serves" in done.stderr


@pytest.mark.skipif(shutil.which("hadolint") is None and not (Path(sys.executable).parent /
                    "hadolint").exists(), reason="hadolint not installed")  # fmt: skip
def test_hadolint_is_clean() -> None:
    binary = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    done = subprocess.run([binary, str(SERVE_DIR / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
