"""`p2c-bot export`: the format follows the file's name, an existing file is kept, a bad path is one line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("P2C_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}")


def test_a_csv_name_without_format_gets_csv_and_an_xlsx_name_a_workbook(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["export", "pledges", "--output", str(tmp_path / "x.csv")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbfReference"), "not a workbook named .csv"
    assert CliRunner().invoke(app, ["export", "reports", "--output", str(tmp_path / "x.xlsx")]).exit_code == 0
    assert zipfile.is_zipfile(tmp_path / "x.xlsx")
    assert (tmp_path / "x.csv").stat().st_mode & 0o777 == 0o600, "an export names people and organisations"


def test_a_format_the_name_contradicts_is_refused(tmp_path: Path) -> None:
    refused = CliRunner().invoke(app, ["export", "pledges", "--format", "xlsx", "--output", str(tmp_path / "x.csv")])
    assert refused.exit_code == 2 and "--format xlsx but" in refused.output
    assert not (tmp_path / "x.csv").exists()


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_bytes(b"mine")
    refused = CliRunner().invoke(app, ["export", "pledges", "--output", str(tmp_path / "x.csv")])
    assert refused.exit_code == 2 and refused.output.strip().count("\n") == 0
    assert "exists already" in refused.output and "--force" in refused.output
    assert (tmp_path / "x.csv").read_bytes() == b"mine"
    (tmp_path / "x.csv").chmod(0o644)  # an operator: --force kept a file readable by all so
    forced = CliRunner().invoke(app, ["export", "pledges", "--output", str(tmp_path / "x.csv"), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbfReference")
    assert (tmp_path / "x.csv").stat().st_mode & 0o777 == 0o600


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["export", "pledges", "--output", str(tmp_path / "nodir" / "x.xlsx")])
    assert missing.exit_code == 2 and missing.output.strip().count("\n") == 0
    assert f"the folder {tmp_path / 'nodir'} does not exist" in missing.output
