"""The conversation core imports no bot framework: handlers/ and models/ stay framework-free."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = ("aiogram", "telegram", "bot")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((REPO / "handlers").rglob("*.py")) + sorted((REPO / "models").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_core_imports_no_framework(path: Path) -> None:
    assert not _imports(path) & set(FORBIDDEN), f"{path} imports {_imports(path) & set(FORBIDDEN)}"
