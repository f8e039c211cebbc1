"""Benchmark of the sandbox's web page: `python bench/page_paint.py [--messages 1000] [--runs 5]`.

Starts the sandbox, fills one person's chat with N messages (half from the person, half from the
bot with HTML and a button), then opens the page in headless Chromium (Debian's) and measures the
time from navigation until the last message is drawn. Target: under 1 s for 1,000 messages.
Prints human lines, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import aiohttp
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_echo import start_sandbox

from bot.sandbox.client import SandboxClient

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
USER = 7003


async def fill(url: str, token: str, messages: int) -> None:
    """N messages in one chat: people's and the bot's, alternating."""
    async with SandboxClient(url) as people, aiohttp.ClientSession() as http:
        await people.add_user(USER, "Ana", language_code="es")
        for i in range(messages // 2):
            await people.send_text(USER, f"mensaje {i} /help https://itu.int")
            await http.post(f"{url}/bot{token}/sendMessage", json={
                "chat_id": USER, "parse_mode": "HTML", "text": f"<b>Respuesta</b> {i} <i>gracias</i>",
                "reply_markup": {"inline_keyboard": [[{"text": "OK", "callback_data": f"ok{i}"}]]}})


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    process, url, token = start_sandbox()
    try:
        asyncio.run(fill(url, token, args.messages))
        timings: list[float] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for _ in range(args.runs):
                page = browser.new_page()
                page.goto(f"{url}/static/style.css")
                started = time.perf_counter()
                page.goto(f"{url}/#user={USER}")
                page.locator(".msg").nth(args.messages - 1).wait_for()
                timings.append((time.perf_counter() - started) * 1000)
                page.close()
            browser.close()
    finally:
        process.terminate()
        process.wait()
    result = {"messages": args.messages, "runs": args.runs, "first_paint_ms_median": round(statistics.median(timings)),
              "first_paint_ms_max": round(max(timings)), "target_ms": 1000}
    print(f"first paint of {args.messages} messages: median {result['first_paint_ms_median']} ms, "
          f"max {result['first_paint_ms_max']} ms over {args.runs} runs")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
