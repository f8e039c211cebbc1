"""The digest's chart: pledged value by focus area and the latest period's reports, a PNG legible on a phone.

matplotlib (Agg, through its object API: no pyplot state shared between calls) draws it. Since 3.11
matplotlib lays text out with libraqm (HarfBuzz shaping, FriBidi ordering), so Arabic is joined and
ordered right to left by matplotlib itself: shaping it beforehand with arabic-reshaper and python-bidi,
as older versions needed, now reverses it a second time (measured; see the tests). The layout is
mirrored for right-to-left readers (names on the right, bars growing leftwards). Arabic glyphs come from
DejaVu Sans, which matplotlib ships; Chinese from Noto Sans CJK (Debian's fonts-noto-cjk, installed by
.ci/run), found through matplotlib's font fallback.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from handlers.digests.labels import FOCUS_AREAS
from handlers.messages import N_, Label, Money, Number, Text
from models.repositories.digests import Figures

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn: a bot that draws none keeps ~50 MB less
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontManager

LATIN_FONT = "DejaVu Sans"
CJK_FONT = "Noto Sans CJK JP"
"""Noto Sans CJK's first face; it carries every Simplified Chinese glyph (fonts-noto-cjk)."""
RTL = frozenset({"ar"})
SIZE_INCHES = (7.2, 9.0)
DPI = 150
"""1080 x 1350 pixels: a phone's width, Telegram's 4:5 photo shape."""
BAR = "#1f6fb2"
DONE, LATE = "#2e9d5b", "#d9534f"

Translate = Callable[[Label], str]
# TRANSLATORS: a chart's title, over the bars "Reported" and "Due, not reported": as the digest's heading says it
REPORTING_TITLE = N_("Reporting on the latest periods due")


class FontMissingError(RuntimeError):
    """A font the charts need is not installed."""


def require_fonts() -> None:
    """Fail at start, with what to install, when the fonts or the text layout for Arabic or Chinese are missing.

    matplotlib lists the system's fonts once and keeps the list in its cache folder: a font installed since (after
    this check asked for it) is not in that list. So a font missing from it is looked for on the system again, and
    if it is there now the stale list is deleted, for the next process that draws to list the fonts afresh.
    """
    from matplotlib import font_manager, ft2font, get_cachedir

    if not getattr(ft2font, "__libraqm_version__", None):
        raise FontMissingError("matplotlib lays text out without libraqm: Arabic would not be shaped; "
                               "install matplotlib 3.11 or later")
    missing = _missing(font_manager.fontManager)
    if missing and not _missing(font_manager.FontManager()):
        for stale in Path(get_cachedir()).glob("fontlist-*.json"):
            stale.unlink(missing_ok=True)
        return
    if missing:
        raise FontMissingError(f"fonts missing for digest charts: {', '.join(missing)}; install Debian's "
                               "fonts-noto-cjk: apt-get install fonts-noto-cjk")


def _missing(fonts: FontManager) -> list[str]:
    names = {font.name for font in fonts.ttflist}
    return [name for name in (LATIN_FONT, CJK_FONT) if name not in names]


TITLE_COLUMNS = 44
"""How wide the title's lines are, in columns (a Chinese character takes two): a scope of eleven countries named in
one line made the picture 3,487 pixels wide, its bars a strip in the middle (a tester)."""


def _wrapped(title: str) -> str:
    """The title on lines of about TITLE_COLUMNS columns, broken between words (anywhere in Chinese)."""
    wide = sum(unicodedata.east_asian_width(character) in "WF" for character in title)
    width = max(12, TITLE_COLUMNS // 2 if wide > len(title) // 2 else TITLE_COLUMNS)
    return "\n".join(textwrap.wrap(title, width=width, break_on_hyphens=False)) or title


def _valued_areas(figures: Figures) -> dict[str, Decimal]:
    """The pledged value of each focus area whose pledges carry one (non-financial ones have none: "US$ 0" would
    read as a value pledged)."""
    return {share.key: share.value_usd for share in figures.breakdowns.get("focus_area", [])
            if share.value_usd is not None}


def has_chart(figures: Figures) -> bool:
    """Whether the chart would show anything: a value pledged (its panel), or a report due (its panel). A scope of
    non-financial pledges none of which owes a report yet gets no chart of two empty bars (the text says there is
    nothing due)."""
    return bool(_valued_areas(figures)) or figures.due > 0


def render_chart(figures: Figures, locale: str, translate: Translate, title: str) -> bytes:
    """A PNG of the scope's pledged value by focus area (when a pledge carries one) and of the latest period's
    reports."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rtl = locale in RTL

    def say(label: Label) -> str:
        return translate(label)

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    figure.set_facecolor("white")
    FigureCanvasAgg(figure)
    font = {"family": [LATIN_FONT, CJK_FONT]}
    figure.suptitle(_wrapped(title), fontsize=20, fontweight="bold", fontdict=font)
    values = _valued_areas(figures)
    areas = [area for area in FOCUS_AREAS if area in values]
    # a panel for what there is: the values pledged, the reports due (none due: no bars of 0, the text says so)
    panels = figure.subplots(2, 1, height_ratios=(3, 2)) if areas and figures.due else (figure.subplots(),)
    if areas:
        top = panels[0]
        _bars(top, [say(Text(FOCUS_AREAS[area])) for area in areas], [values[area] for area in areas],
              [say(Money(values[area])) for area in areas], [BAR] * len(areas), rtl, font)
        top.set_title(say(Text(N_("Pledged value by focus area (USD)"))), fontsize=16, fontdict=font)
    if figures.due:
        bottom = panels[-1]
        # the text's "N of M pledges due reported": the rest of M is not "overdue", which the text counts over
        # earlier periods too (overdue_total), so the bar says what it counts
        late = figures.due - figures.reported
        # TRANSLATORS: a chart bar: pledges whose report for the latest period due has not come (short)
        missing = N_("Due, not reported")
        _bars(bottom, [say(Text(N_("Reported"))), say(Text(missing))], [Decimal(figures.reported), Decimal(late)],
              [say(Number(figures.reported)), say(Number(late))], [DONE, LATE], rtl, font)
        # the text's heading, in its words: the latest period due of each cadence (2025 for a yearly pledge, 2026-Q3
        # for a quarterly one), not "the latest period", which read as one period, the current one
        bottom.set_title(say(Text(REPORTING_TITLE)), fontsize=16, fontdict=font)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor="white", bbox_inches="tight", pad_inches=0.25)
    return out.getvalue()


def _bars(axes: Axes, labels: Sequence[str], values: Sequence[Decimal], notes: Sequence[str],
          colours: Sequence[str], rtl: bool, font: Mapping[str, object]) -> None:
    """Horizontal bars, largest first from the top, each with its value written beside it."""
    positions = list(range(len(labels)))[::-1]
    numbers = [float(value) for value in values]
    axes.barh(positions, numbers, color=list(colours), height=0.6)
    axes.set_yticks(positions, list(labels), fontsize=15, fontdict=dict(font))
    axes.set_xticks([])
    for side in ("top", "bottom", "left", "right"):
        axes.spines[side].set_visible(False)
    peak = max(numbers) or 1.0
    axes.set_xlim(0, peak * 1.45)
    for position, number, note in zip(positions, numbers, notes, strict=True):
        axes.text(number + peak * 0.02, position, note, va="center", fontsize=14, fontdict=dict(font),
                  ha="right" if rtl else "left")
    if rtl:
        axes.invert_xaxis()
        axes.yaxis.tick_right()
        axes.tick_params(axis="y", length=0)
    else:
        axes.tick_params(axis="y", length=0)
