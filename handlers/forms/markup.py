"""Telegram's HTML, checked before anything is sent: only its tags, balanced, within its length limit."""

from __future__ import annotations

from html.parser import HTMLParser

TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                  "pre", "blockquote", "tg-emoji"})
VOID = frozenset({"br"})
MAX_TEXT = 4096


class MarkupError(ValueError):
    """Text that Telegram would refuse; `reason` is one of: tag, unbalanced, attribute, length, empty."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.length = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            raise MarkupError("tag", tag)
        if tag not in TAGS:
            raise MarkupError("tag", tag)
        names = {name for name, _ in attrs}
        allowed = {"a": {"href"}, "span": {"class"}, "code": {"class"}, "blockquote": {"expandable"},
                   "tg-emoji": {"emoji-id"}}.get(tag, set())
        if names - allowed:
            raise MarkupError("attribute", f"{tag} {' '.join(sorted(names - allowed))}")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            raise MarkupError("attribute", "span needs class=\"tg-spoiler\"")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise MarkupError("unbalanced", tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.length += len(data.encode("utf-16-le")) // 2


def check_markup(value: str, max_length: int = MAX_TEXT) -> str:
    """The text if Telegram would accept it in HTML parse mode; otherwise MarkupError."""
    checker = _Checker()
    try:
        checker.feed(value)
        checker.close()
    except MarkupError:
        raise
    except (AssertionError, ValueError) as error:  # the parser's own complaints about broken markup
        raise MarkupError("unbalanced", str(error)[:60]) from error
    if checker.stack:
        raise MarkupError("unbalanced", checker.stack[-1])
    if checker.length == 0 or not value.strip():
        raise MarkupError("empty")
    if checker.length > max_length:
        raise MarkupError("length", str(checker.length))
    return value
