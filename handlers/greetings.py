"""Greetings people send first ("Bonjour", "Hello", "مرحبا", "你好"): answered with a greeting, in six languages."""

from __future__ import annotations

import unicodedata

GREETINGS = frozenset({
    # en
    "hello", "hi", "hey", "hello there", "hi there", "good morning", "good afternoon", "good evening", "greetings",
    # fr
    "bonjour", "bonsoir", "salut", "coucou", "allo", "allô", "bonjour à tous",
    # es
    "hola", "buenos días", "buenos dias", "buenas tardes", "buenas noches", "buenas", "saludos",
    # ru
    "здравствуйте", "здравствуй", "привет", "добрый день", "доброе утро", "добрый вечер", "приветствую",
    # ar
    "مرحبا", "مرحبًا", "مرحباً", "أهلا", "أهلاً", "اهلا", "السلام عليكم", "سلام", "صباح الخير", "مساء الخير",
    # zh
    "你好", "您好", "嗨", "早上好", "下午好", "晚上好", "大家好", "哈喽",
})
"""Whole messages taken as a greeting, once lower-cased and stripped of punctuation and emoji."""


def _key(value: str) -> str:
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" or ch.isspace() else " " for ch in value)
    return " ".join(unicodedata.normalize("NFC", kept).casefold().split())


_KEYS = frozenset(_key(word) for word in GREETINGS)


def is_greeting(value: str) -> bool:
    """True when the whole message is a greeting ("Bonjour !", "hello 👋", "السلام عليكم", "您好！")."""
    key = _key(value)
    return bool(key) and len(key) <= 40 and key in _KEYS
