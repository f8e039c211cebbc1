"""`p2c-bot sandbox` on a machine without Debian's fonts-noto-cjk (hidden here in a private mount namespace, as the
operator did): it starts and says once what to install; installed afterwards, the font is found at once."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from bot.app import FONT_CHECK
from bot.sandbox.client import SandboxClient
from bot.sandbox.harness import REPO, free_port

pytestmark = [pytest.mark.e2e]
NOTO = Path("/usr/share/fonts/opentype/noto")


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None or not NOTO.is_dir(),
                    reason="hiding the CJK fonts needs root, unshare and Debian's fonts-noto-cjk")
async def test_the_sandbox_starts_without_the_cjk_font_and_says_what_to_install(tmp_path: Path) -> None:
    empty, mpl = tmp_path / "empty", tmp_path / "mpl"
    empty.mkdir()
    mpl.mkdir()
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("P2C_")}, "PYTHONPATH": str(REPO),
           "MPLCONFIGDIR": str(mpl), "P2C_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'p2c.db'}"}
    hidden = f"mount --bind {empty} {NOTO} && exec {sys.executable} -m bot.cli sandbox --port {port}"
    with (tmp_path / "sandbox.log").open("wb") as log:
        sandbox = await asyncio.create_subprocess_exec("unshare", "-m", "sh", "-c", hidden, cwd=tmp_path, env=env,
                                                       stdout=log, stderr=log)
    try:
        async with SandboxClient(f"http://127.0.0.1:{port}") as people:
            for _ in range(1200):  # polling once the fonts were checked, the schema made and the demo loaded
                assert sandbox.returncode is None, (tmp_path / "sandbox.log").read_text()
                try:
                    if (await people.stats())["calls"].get("getUpdates", 0):
                        break
                except OSError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError((tmp_path / "sandbox.log").read_text())
    finally:
        if sandbox.returncode is None:
            sandbox.send_signal(signal.SIGINT)
            await asyncio.wait_for(sandbox.wait(), 30)
    log_text = (tmp_path / "sandbox.log").read_text()
    assert log_text.count("fonts missing for digest charts") == 1, log_text
    assert "apt-get install fonts-noto-cjk" in log_text and "FontMissingError" not in log_text
    # matplotlib listed the fonts without Noto CJK in its cache; the font "installed" now is found all the same
    check = await asyncio.create_subprocess_exec(sys.executable, "-c", FONT_CHECK, env=env, cwd=tmp_path,
                                                 stderr=asyncio.subprocess.PIPE)
    _, err = await check.communicate()
    assert check.returncode == 0, err.decode()
