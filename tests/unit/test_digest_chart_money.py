"""The chart writes amounts as messages do (the renderer's Money, not a copy), and Arabic's "US$" stays whole.

The Arabic chart read "$US 2,500,000": CLDR writes the amount "2,500,000 US$" (after a right-to-left mark), and in
right-to-left text the bidi algorithm takes the trailing "$" for right-to-left and draws it before "US". A Telegram
client lays the message's amount out by the same algorithm, so the fix is the renderer's, shared by both.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image, ImageChops

from bot.i18n import Renderer
from handlers.digests.chart import LATIN_FONT, render_chart
from handlers.messages import Label, Money
from models.repositories.digests import Figures, Share
from models.values import LANGUAGES

AMOUNT = Decimal("2500000")
FIGURES = Figures(pledges=2, due=2, reported=0, breakdowns={"focus_area": [
    Share("access", 1, AMOUNT), Share("adoption", 1, Decimal("120000.5"))]})


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_chart_writes_the_message_s_amounts(renderer: Renderer, locale: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    text = Axes.text

    def spy(self: Axes, x: float, y: float, s: str, *args: Any, **kwargs: Any) -> Any:
        drawn.append(s)
        return text(self, x, y, s, *args, **kwargs)

    monkeypatch.setattr(Axes, "text", spy)

    def translate(label: Label) -> str:
        return renderer.label(label, locale, markup=False)

    render_chart(FIGURES, locale, translate, "P2C")
    for share in FIGURES.breakdowns["focus_area"]:
        assert translate(Money(share.value_usd)) in drawn


def _drawn(text: str) -> Image.Image:
    """The text as matplotlib lays it out (libraqm: HarfBuzz and FriBidi), as the chart draws its labels."""
    figure = Figure(figsize=(4, 1), dpi=100)
    FigureCanvasAgg(figure)
    figure.text(0.05, 0.3, text, fontsize=20, family=[LATIN_FONT])
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return Image.open(out).convert("L")


def test_arabic_amount_keeps_its_currency_symbol_whole(renderer: Renderer) -> None:
    """Read right to left: the number, then "US$"; never "$US 2,500,000"."""
    label = renderer.label(Money(AMOUNT), "ar", markup=False)
    assert label.startswith("\u200f2,500,000\xa0US$")  # CLDR's own form, unchanged
    whole, split = _drawn("US$\xa02,500,000"), _drawn("$US\xa02,500,000")
    assert ImageChops.difference(whole, split).getbbox() is not None  # the check can fail
    assert ImageChops.difference(_drawn(label), whole).getbbox() is None


def test_arabic_message_amount_is_isolated_with_its_mark(renderer: Renderer) -> None:
    """The message's amount is the chart's, isolated from the sentence around it."""
    assert renderer.label(Money(AMOUNT), "ar") == f"\u2068{renderer.label(Money(AMOUNT), 'ar', markup=False)}\u2069"
    assert renderer.label(Money(AMOUNT), "en") == "$2,500,000"
