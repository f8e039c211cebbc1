"""The boundaries of the architecture (README, "Architecture in brief"), as pyproject.toml's import-linter contracts
state them, hold.

Journeys (handlers) import no runtime and leave queries to the model; the model imports no journey
nor runtime; the sandbox imports neither. `make lint` runs the same contracts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept() -> None:
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert linter is not None, "import-linter is a dev dependency (pip install -e '.[dev]')"
    run = subprocess.run([linter, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 kept, 0 broken" in run.stdout
