"""Pages of a person's own lists (/mypledges, /report), the way /pending and /questions page theirs: where the page
stands in the whole list, how many come after it, a button for the next ones and one back to the first page."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.messages import N_, Button, Label, Number, Text, plural

SHOWN = 10
"""Lines of a page: ten pledges with titles cut to LIST_TITLE fit one message in any language, and a phone shows them
without a long scroll."""
FIRST_PAGE = N_("⏮ Back to the first page")


@dataclass(frozen=True, slots=True)
class Page:
    """How many a list holds (`count`), how many pages before this one listed (`before`), and how many it lists."""

    count: int
    before: int
    shown: int

    @property
    def more(self) -> int:
        """How many come after this page."""
        return max(0, self.count - self.before - self.shown)


def where(page: Page, position: tuple[str, str], alone: tuple[str, str]) -> tuple[Label, ...]:
    """Below a page's lines: which numbers of the list they are (on a later page only: `position`, a plural message
    with {first}, {last} and {count}, or `alone`, with {first} and {count}, when it lists one) and how many more
    come after them."""
    parts: tuple[Label, ...] = ()
    if page.before and page.shown == 1:  # "numbers 21 to 21": one alone is named as one
        parts += (plural(*alone, page.count, first=Number(page.before + 1)),)
    elif page.before and page.shown:
        parts += (plural(*position, page.count, first=Number(page.before + 1),
                         last=Number(page.before + page.shown)),)
    if page.more:
        parts += (plural("… and {count} more.", "… and {count} more.", page.more),)
    return parts


def navigation(page: Page, following: str, first: str) -> tuple[tuple[Button, ...], ...]:
    """The buttons under a page: the next ones (`following`, while more come) and the first page (`first`, on a
    later page), each in a row of its own so that a phone shows its label whole."""
    rows: tuple[tuple[Button, ...], ...] = ()
    if page.more and page.shown:
        rows += ((Button(plural("Next {count} pledge ▸", "Next {count} pledges ▸", min(SHOWN, page.more)),
                         following),),)
    if page.before:
        rows += ((Button(Text(FIRST_PAGE), first),),)
    return rows
