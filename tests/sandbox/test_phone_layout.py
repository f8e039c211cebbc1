"""The sandbox page at a phone's width (390 x 844) and at a desktop's, in real headless Chromium (issue #14, 23)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.sandbox.client import SandboxClient
from tests.sandbox.test_browser import WELCOME, LiveSandbox

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def live() -> Iterator[LiveSandbox]:
    sandbox = LiveSandbox()

    async def people(client: SandboxClient) -> None:
        await client.add_user(7101, "Amina", language_code="en")
        await client.add_user(7102, "عمر", language_code="ar")

    sandbox.people(people)
    yield sandbox
    sandbox.close()


def open_page(browser: Browser, live: LiveSandbox, size: dict[str, int], *, phone: bool) -> Page:
    context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.goto(live.server.url + "/")
    return page


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, selector
    return dict(found)


def no_sideways_scroll(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_at_phone_width_the_people_list_collapses(browser: Browser, live: LiveSandbox) -> None:
    page = open_page(browser, live, PHONE, phone=True)
    pane = page.locator("#people-pane")
    expect(pane).to_be_visible()  # nobody chosen yet: the list is what a person sees first
    assert box(page, "#people-pane")["width"] <= 0.85 * PHONE["width"] + 1
    page.locator("#people li", has_text="Amina").click()
    expect(pane).to_be_hidden()  # choosing someone closes the list: the chat takes the screen
    expect(page.locator("#chat-title")).to_have_text("Amina")
    chat = box(page, "#chat-pane")
    assert chat["x"] == 0 and chat["width"] == PHONE["width"]
    page.fill("#text-input", "/start")
    page.click("#send-button")
    expect(page.locator(".msg.bot").first).to_contain_text(WELCOME["en"])
    send = box(page, "#send-button")
    assert send["x"] + send["width"] <= PHONE["width"] and send["y"] + send["height"] <= PHONE["height"]
    assert box(page, ".msg.bot")["width"] < PHONE["width"]
    no_sideways_scroll(page, PHONE["width"])

    page.click("#people-toggle")  # the list comes back over the chat, and goes with another choice
    expect(pane).to_be_visible()
    expect(page.locator("#people-toggle")).to_have_attribute("aria-expanded", "true")
    page.locator("#people li", has_text="عمر").click()
    expect(pane).to_be_hidden()
    expect(page.locator("#chat-title")).to_have_text("عمر")
    page.click("#people-toggle")
    expect(pane).to_be_visible()
    page.mouse.click(PHONE["width"] - 10, PHONE["height"] // 2)  # a tap beside the list closes it
    expect(pane).to_be_hidden()
    no_sideways_scroll(page, PHONE["width"])


def test_at_desktop_size_the_people_list_stays_beside_the_chat(browser: Browser, live: LiveSandbox) -> None:
    page = open_page(browser, live, DESKTOP, phone=False)
    expect(page.locator("#people-toggle")).to_be_hidden()
    page.locator("#people li", has_text="Amina").click()
    expect(page.locator("#people-pane")).to_be_visible()  # choosing someone does not hide the list here
    people, chat = box(page, "#people-pane"), box(page, "#chat-pane")
    assert people["x"] == 0 and people["width"] == 280
    assert chat["x"] == people["width"] and chat["x"] + chat["width"] == DESKTOP["width"]
    expect(page.locator("#people-backdrop")).to_be_hidden()
    no_sideways_scroll(page, DESKTOP["width"])
