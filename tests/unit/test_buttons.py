"""The strict parser of button data: every declared pattern parses, every hostile variant is refused."""

from __future__ import annotations

import pytest

from handlers.buttons import PATTERNS, ButtonCode, parse


@pytest.mark.parametrize(("data", "expected"), [
    ("mp:open:7", ButtonCode("mp:open:<id>", "mp", "open", 7)),
    ("mp:wdy:2147483647", ButtonCode("mp:wdy:<id>", "mp", "wdy", 2147483647)),
    ("mp:list", ButtonCode("mp:list", "mp", "list")),
    ("ent:no:42", ButtonCode("ent:no:<id>", "ent", "no", 42)),
    ("pv:chg:3", ButtonCode("pv:chg:<id>", "pv", "chg", 3)),
    ("pv:ok:3:12", ButtonCode("pv:ok:<id>:<ver>", "pv", "ok", 3, version=12)),
    ("bc:stop:9", ButtonCode("bc:stop:<id>", "bc", "stop", 9)),
    ("pl:resume", ButtonCode("pl:resume", "pl", "resume")),
    ("lang:fr", ButtonCode("lang:<word>", "lang", "fr")),
    ("f:$sum:edit:title", ButtonCode("f:<word>:<rest>", "f", "$sum", rest="edit:title")),
    ("f:translations:c:add:zh", ButtonCode("f:<word>:<rest>", "f", "translations", rest="c:add:zh")),
    ("f:target_date:c:2027-12-31", ButtonCode("f:<word>:<rest>", "f", "target_date", rest="c:2027-12-31")),
    ("pn:pl:after:12", ButtonCode("pn:pl:after:<id>", "pn", "pl", 12)),
    ("pn:ent:12", ButtonCode("pn:ent:<id>", "pn", "ent", 12)),
    ("pn:list", ButtonCode("pn:list", "pn", "list")),
    ("qa:after:5", ButtonCode("qa:after:<id>", "qa", "after", 5)),
    ("mp:after:61", ButtonCode("mp:after:<id>", "mp", "after", 61)),
    ("mp:hist:61", ButtonCode("mp:hist:<id>", "mp", "hist", 61)),
    ("ft:ec:61:10", ButtonCode("ft:ec:<id>:<ver>", "ft", "ec", 61, version=10)),
    ("rp:after:61:738916", ButtonCode("rp:after:<id>:<ver>", "rp", "after", 61, version=738916)),
    ("rp:list", ButtonCode("rp:list", "rp", "list")),
    ("rp:restart:4:2:61", ButtonCode("rp:restart:<id>:<ver>:<then>", "rp", "restart", 4, version=2, then=61)),
])
def test_declared_codes_parse_to_typed_values(data: str, expected: ButtonCode) -> None:
    assert parse(data) == expected


@pytest.mark.parametrize("data", [
    "mp:open:²", "mp:open:٣", "mp:open:３", "ent:ok:①", "pv:ok:߁", "bc:stop:𝟗",  # Unicode digits
    "rp:restart:4:2:0012", "rp:restart:4:2:x", "rp:restart:4:2:2147483648", "rp:restart:4:2:12:3",
    "mp:open:-1", "mp:open:+1", "mp:open:0", "mp:open:007", "mp:open:1e3", "mp:open:0x1f", "mp:open:1_000",
    "mp:open: 1", "mp:open:1 ", " mp:open:1", "mp:open:1\n", "mp:open:1\x00", "mp:open:\t1",  # spaces, controls
    "mp:open:" + "9" * 13, "mp:open:1" + "0" * 60, "f:x:" + "c" * 61, "x" * 65,  # overlong
    "f:" + "w" * 32 + ":" + "c" * 40,  # fits its pattern, 75 bytes: past Telegram's 64 (a review)
    "mp:open:2147483648", "pv:ok:1:2147483648", "pn:pl:after:999999999999",  # past any record's id (32 bits)
    "", ":", "mp:", "mp:open:", "mp::1", ":open:1", "f::c:x", "f:x:", "lang:",  # empty fields
    "mp:after:0", "mp:after:1:2", "rp:after:1", "rp:after:1:0", "rp:list:1",  # pages: an id and place, or none
    "mp:hist", "mp:hist:0", "ft:ec:1", "ft:ec:1:0",  # a pledge's reports, an evidence's caption: which one
    "mp:open:1:2", "mp:list:1", "ent:ok:1:", "pl:resume:x", "bc:stop:1:extra",  # extra fields
    "mp:OPEN:1", "MP:open:1", "mp:delete:1", "xx:open:1", "pv:ok", "ent:ok",  # unknown verbs, missing id
    "pv:ok:1:0", "pv:ok:1:01", "pv:ok:1:", "pv:ok:1:2:3", "pv:ok:1:v2",  # malformed versions
    "f:x:c:\u00e9", "lang:fr\u200b", "mp:open:1\u202e", "f:x:c:a b", "\ud800", "lang:\udcff",  # non-ASCII
])
def test_hostile_codes_parse_to_none(data: str) -> None:
    assert parse(data) is None


def test_every_declared_pattern_is_reachable() -> None:
    samples = {p.replace("<id>", "1").replace("<word>", "w").replace("<rest>", "r").replace("<ver>", "2")
               .replace("<then>", "3") for p in PATTERNS}
    assert {code.pattern for code in map(parse, samples) if code is not None} == set(PATTERNS)
