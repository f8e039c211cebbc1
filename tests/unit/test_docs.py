"""The operator's documents name only what exists in a clone, and their recipes keep secrets private."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RECIPES = [*DOCUMENTS, ROOT / "compose.yaml", *sorted((ROOT / "deploy").iterdir())]
CODE = "\n".join(path.read_text() for folder in ("bot", "handlers", "models") for path in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_constant_and_setting_named_exists(document: Path) -> None:
    """Regression: docs/privacy.md named GENERATED_FILES_KEPT, a constant that no longer existed."""
    settings = {"P2C_" + name.upper() for name in Settings.model_fields} | {"P2C_TEST_POSTGRES_URL"}
    for name in re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", document.read_text()):
        if name.startswith("P2C_"):
            assert name in settings, name
        else:
            assert re.search(rf"^\s*{name}\b\s*[:=]", CODE, flags=re.MULTILINE), name


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_no_document_points_outside_the_clone(document: Path) -> None:
    """Regression: docs/sandbox.md sent readers to ../shared/design/SANDBOX.md, which a clone does not have (the
    documents write paths from the repository's root)."""
    assert not re.findall(r"`\.\./[^`]*`", document.read_text())


def test_secrets_files_are_made_private_and_pg_dump_is_given_a_libpq_url() -> None:
    """Regression: `cp deploy/env.example .env` made the token's file readable by everyone, and the backup's
    pg_dump used "$DATABASE", defined nowhere (P2C_DATABASE_URL's +asyncpg is not libpq's)."""
    for recipe in RECIPES:
        text = recipe.read_text()
        assert not re.search(r"\bcp deploy/[\w.]*env", text), recipe.name
        assert '"$DATABASE"' not in text, recipe.name
    assert "install -m 600 deploy/env.example .env" in (ROOT / "compose.yaml").read_text()
