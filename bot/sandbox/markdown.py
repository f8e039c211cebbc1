"""Telegram's MarkdownV2 and legacy Markdown parse modes: plain text and entities, or Telegram's error."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.validation import utf16_len

_RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler", "[": "TextUrl"}
_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def _error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


class _Parser:
    """One pass over the source, keeping the plain text's UTF-16 offset for entities."""

    def __init__(self, source: str, v2: bool) -> None:
        self.source, self.v2 = source, v2
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []
        self.stack: list[tuple[str, int, int]] = []  # (mark, plain offset, byte offset)

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def byte_at(self, index: int) -> int:
        return len(self.source[:index].encode())

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        source, i = self.source, 0
        while i < len(source):
            char = source[i]
            if char == "\\" and i + 1 < len(source) and (self.v2 or source[i + 1] in "_*`["):
                self.emit(source[i + 1])
                i += 2
            elif char == "`":
                i = self.code(i)
            elif self.v2 and source.startswith(("__", "||"), i):
                self.toggle(source[i:i + 2], i)
                i += 2
            elif char in "*_" or (self.v2 and char == "~"):
                self.toggle(char, i)
                i += 1
            elif char == "[":
                self.stack.append(("[", self.offset, self.byte_at(i)))
                i += 1
            elif char == "]" and self.stack and self.stack[-1][0] == "[":
                i = self.link(i)
            elif self.v2 and char == ">" and (i == 0 or source[i - 1] == "\n"):
                i = self.quote(i)
            elif self.v2 and char in _RESERVED_V2:
                raise _error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
            else:
                self.emit(char)
                i += 1
        if self.stack:
            mark, _, byte_at = self.stack[-1]
            raise _error(f"Can't find end of {_NAMES[mark]} entity at byte offset {byte_at}")
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities

    def toggle(self, mark: str, i: int) -> None:
        if self.stack and self.stack[-1][0] == mark:
            _, start, _ = self.stack.pop()
            if self.offset > start:
                self.entities.append({"type": _TYPES[mark], "offset": start, "length": self.offset - start})
        else:
            self.stack.append((mark, self.offset, self.byte_at(i)))

    def code(self, i: int) -> int:
        fence = "```" if self.source.startswith("```", i) else "`"
        end = self.source.find(fence, i + len(fence))
        while end > 0 and self.v2 and self.source[end - 1] == "\\":
            end = self.source.find(fence, end + 1)
        if end < 0:
            name = "Pre" if fence == "```" else "Code"
            raise _error(f"Can't find end of {name} entity at byte offset {self.byte_at(i)}")
        body = self.source[i + len(fence):end]
        entity: dict[str, Any] = {"type": "code" if fence == "`" else "pre"}
        if fence == "```" and "\n" in body:
            first, rest = body.split("\n", 1)
            if first and " " not in first:
                entity["language"], body = first, rest
        if self.v2:
            body = body.replace("\\`", "`").replace("\\\\", "\\")
        entity["offset"] = self.offset
        self.emit(body)
        entity["length"] = self.offset - entity["offset"]
        if entity["length"]:
            self.entities.append(entity)
        return end + len(fence)

    def link(self, i: int) -> int:
        _, start, byte_at = self.stack.pop()
        if not self.source.startswith("(", i + 1):
            raise _error("Character ']' is reserved and must be escaped with the preceding '\\'")
        end = i + 2
        url: list[str] = []
        while end < len(self.source) and self.source[end] != ")":
            if self.source[end] == "\\" and end + 1 < len(self.source):
                end += 1
            url.append(self.source[end])
            end += 1
        if end >= len(self.source):
            raise _error(f"Can't find end of a URL at byte offset {byte_at}")
        if self.offset > start:
            self.entities.append({"type": "text_link", "offset": start, "length": self.offset - start,
                                  "url": "".join(url)})
        return end + 1

    def quote(self, i: int) -> int:
        start = self.offset
        line_end = self.source.find("\n", i)
        stop = len(self.source) if line_end < 0 else line_end
        inner = _Parser(self.source[i + 1:stop], v2=True)
        text, entities = inner.run()
        for entity in entities:
            entity["offset"] += start
        self.emit(text)
        self.entities.extend(entities)
        if self.offset > start:
            self.entities.append({"type": "blockquote", "offset": start, "length": self.offset - start})
        return stop


def parse_markdown(source: str, *, v2: bool) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 (v2=True) or legacy Markdown into plain text and entities."""
    return _Parser(source, v2).run()
