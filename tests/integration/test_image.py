"""The container image builds and its entry point answers, where a container engine runs (skipped loudly elsewhere)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def engine() -> str | None:
    """A container engine whose daemon answers, or None."""
    for name in ("docker", "podman"):
        if shutil.which(name) and subprocess.run([name, "info"], capture_output=True, timeout=30).returncode == 0:
            return name
    return None


@pytest.mark.timeout(1200)
def test_the_image_builds_and_runs_its_entry_point() -> None:
    name = engine()
    if name is None:
        pytest.skip("NO CONTAINER ENGINE on this machine (docker/podman without a running daemon): the image "
                    "was not built; tests/unit/test_deployment.py checked the Dockerfile and compose.yaml")
    subprocess.run([name, "build", "-t", "p2c-bot:test", str(ROOT)], check=True, timeout=1100)
    shown = subprocess.run([name, "run", "--rm", "p2c-bot:test", "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "run" in shown.stdout
    user = subprocess.run([name, "run", "--rm", "--entrypoint", "id", "p2c-bot:test", "-u"], capture_output=True,
                          text=True, timeout=60)
    assert user.stdout.strip() != "0"
