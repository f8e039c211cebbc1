"""How many characters a typed answer needs in the script it is written in.

A text step's `min_length` asks that an answer say something ("Steps taken": a sentence or two). It is set for
alphabets (Latin, Cyrillic, Arabic), where a character is a sound. In Chinese a character is a whole syllable and
usually a word: "2024年培训了三万名青年。" (14 characters) says what "In 2024, 30,000 young people were trained."
says in 42. Counting both alike made Chinese writers pad a complete sentence to pass.

So the minimum is divided by the density of the answer's script: about three Latin letters' worth for a Han
character (Chinese texts run about a third the length of their English translations), two for a kana or a Hangul
syllable (a syllable is about two letters: か "ka", 한 "han"). The answer's script is the dense script most of its
letters are in, when at least half of its letters are Han, kana or Hangul; otherwise it is an alphabet and the
minimum stands. Every character still counts as one, so the refusal can say truly "at least {count} characters":
that many characters of the same script pass. Maximum lengths are storage and Telegram limits, counted as
characters in every script.
"""

from __future__ import annotations

import re

DENSE_SCRIPTS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("Han", re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"), 3),
    ("Kana", re.compile("[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]"), 2),
    ("Hangul", re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"), 2),
)
"""Scripts whose characters each say more than a letter: their name, their characters, and how many Latin letters'
worth one character is."""


def density(answer: str) -> int:
    """How many letters' worth one character of `answer` is: 3 for Chinese, 2 for kana or Hangul, else 1."""
    letters = [ch for ch in answer if ch.isalpha()]
    counts = [(sum(1 for ch in letters if characters.match(ch)), -worth) for _, characters, worth in DENSE_SCRIPTS]
    if 2 * sum(count for count, _ in counts) < len(letters) or not letters:
        return 1
    _, worth = max(counts)  # the dense script most used; on a tie, the less dense one
    return -worth


def least_length(answer: str, minimum: int) -> int:
    """The fewest characters `answer`, in its script, needs to meet a minimum set in letters (at least 1)."""
    return max(1, -(-minimum // density(answer)))
