"""`p2c-bot admin scope` and `p2c-bot export` on a SQLite file: the scope is kept, files read back complete."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO), **env}, cwd=cwd, check=False)


def test_scope_and_exports_from_the_command_line(tmp_path: Path) -> None:
    env = {"P2C_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "P2C_BOT_TOKEN": TOKEN}
    assert _cli("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    loaded = subprocess.run([sys.executable, "-c", (
        "import asyncio; from bot.demo import load_demo; from models.database import Database; "
        "from models.clock import utcnow; "
        f"d = Database('sqlite+aiosqlite:///{tmp_path / 'cli.db'}'); asyncio.run(load_demo(d.uow(), utcnow()))")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=tmp_path, check=False)
    assert loaded.returncode == 0, loaded.stderr
    assert _cli("admin", "scope", "1005", "region", "cis", env=env, cwd=tmp_path).returncode == 0
    refused = _cli("admin", "scope", "1003", "region", "cis", env=env, cwd=tmp_path)  # staff see everything
    assert refused.returncode == 2 and "not a coordinator" in refused.stderr
    assert _cli("admin", "scope", "1005", "region", "atlantis", env=env, cwd=tmp_path).returncode == 2
    out = tmp_path / "africa.csv"
    done = _cli("export", "pledges", "--format", "csv", "--output", str(out), "--scope", "region africa",
                env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf"), "a byte order mark: Excel reads it as UTF-8"
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Reference" and len({row[0] for row in rows[1:]}) == len(rows) - 1
    assert all(row[0] for row in rows[1:]) and "P2C-2025-00002" not in {row[0] for row in rows[1:]}  # Bolivia
    sheet = tmp_path / "all.xlsx"
    assert _cli("export", "reports", "--output", str(sheet), "--language", "ar", env=env,
                cwd=tmp_path).returncode == 0
    book = openpyxl.load_workbook(sheet)
    assert [ws.title for ws in book.worksheets] == ["التقارير"] and book.worksheets[0].sheet_view.rightToLeft
