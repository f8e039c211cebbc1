"""Greetings people send first ("Bonjour", "Hello", "مرحبا", "你好", "Hallo", "Olá") and thanks after an answer
("Merci", "👍"): small talk, answered as such rather than offered to BDT as a question."""

from __future__ import annotations

import unicodedata

from handlers.messages import N_, Reply, Text

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
    # outside the six, from the people who most need the welcome (their Telegram speaks none of ours):
    # de, nl
    "hallo", "guten tag", "guten morgen", "guten abend", "moin", "servus", "hoi", "goedemorgen", "goedendag",
    # pt
    "olá", "ola", "oi", "bom dia", "boa tarde", "boa noite",
    # it
    "ciao", "buongiorno", "buonasera", "salve",
    # tr, az
    "merhaba", "selam", "selamlar", "günaydın", "iyi günler", "salam",
    # sw, ha, yo, am, zu
    "jambo", "hujambo", "habari", "sannu", "bawo", "ሰላም", "sawubona",
    # fa, ur, assalamu alaikum in Latin letters
    "درود", "السلام علیکم", "assalamu alaikum", "assalamualaikum", "salam alaikum", "salaam",
    # hi, bn, ne
    "namaste", "namaskar", "नमस्ते", "নমস্কার",
    # id, ms, tl, vi, th
    "halo", "selamat pagi", "selamat siang", "apa kabar", "kumusta", "xin chào", "chào", "สวัสดี",
    # ja, ko
    "こんにちは", "おはよう", "おはようございます", "안녕하세요", "안녕",
    # uk, pl, cs, ro, el
    "привіт", "добрий день", "вітаю", "cześć", "dzień dobry", "ahoj", "dobrý den", "bună ziua", "γεια σας",
    "γεια",
})
"""Whole messages taken as a greeting, once lower-cased and stripped of punctuation and emoji."""

THANKS = frozenset({
    "thanks", "thank you", "thank you very much", "thanks a lot", "many thanks", "thx", "ok", "okay", "ok thanks",
    "ok thank you", "noted", "got it", "great", "perfect",
    "merci", "merci beaucoup", "ok merci", "d'accord", "parfait", "très bien", "entendu", "bien reçu", "super",
    "gracias", "muchas gracias", "ok gracias", "vale", "perfecto", "de acuerdo", "entendido", "genial",
    "спасибо", "большое спасибо", "спасибо большое", "хорошо", "понятно", "ок", "отлично", "принято",
    "شكرا", "شكراً", "شكرًا", "شكرا جزيلا", "حسنا", "حسناً", "تمام",
    "谢谢", "谢谢您", "多谢", "感谢", "好的", "好", "收到", "明白了", "明白",
    "danke", "obrigado", "obrigada", "grazie", "teşekkürler", "asante",
})
"""Whole messages taken as an acknowledgement of an answer, not as a new question."""


def _key(value: str) -> str:
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" or ch.isspace() else " " for ch in value)
    return " ".join(unicodedata.normalize("NFC", kept).casefold().split())


_KEYS = frozenset(_key(word) for word in GREETINGS)
_THANKS_KEYS = frozenset(_key(word) for word in THANKS)


def is_greeting(value: str) -> bool:
    """True when the whole message is a greeting ("Bonjour !", "hello 👋", "السلام عليكم", "您好！")."""
    key = _key(value)
    return bool(key) and len(key) <= 40 and key in _KEYS


def is_thanks(value: str) -> bool:
    """True when the whole message only acknowledges ("Merci !", "OK", "谢谢", "Gracias 🙏")."""
    key = _key(value)
    return bool(key) and len(key) <= 40 and key in _THANKS_KEYS


def is_wordless(value: str) -> bool:
    """True when a message has no letter or digit at all ("👍", "🙏🙏", "?"): nothing to send BDT as a question."""
    return bool(value.strip()) and not any(unicodedata.category(ch)[0] in "LN" for ch in value)


APPROVING = frozenset("👍👌🙏✅✔☑❤♥💙💚💛🧡💜🤍🙂😊☺😀😃😄😁🤗👏🤝💯🎉🙌✨⭐🌟💐🌹🌷")
"""Emoji that thank or approve; alone (with skin tones, variation selectors and joiners) they acknowledge an answer."""
_QUALIFIERS = frozenset(chr(code) for code in (0xFE0F, 0xFE0E, 0x200D, *range(0x1F3FB, 0x1F400)))


def acknowledges(value: str) -> bool:
    """True when a message only thanks or approves, in words ("Merci !") or with approving emoji alone ("👍", "🙏🏽"),
    not with other symbols ("?", "👎")."""
    if is_thanks(value):
        return True
    kept = [ch for ch in value if not ch.isspace() and ch not in _QUALIFIERS]
    return bool(kept) and all(ch in APPROVING for ch in kept)


def small_talk(value: str, *, asks: bool) -> Reply | None:
    """The answer to thanks, or to symbols alone from someone who may ask BDT (`asks`), outside any form (the rule
    of the question itself: words, not only emoji); None for anything else."""
    if is_thanks(value):
        return Reply((Text(N_("Glad to help! /help lists what I can do.")),))
    if is_wordless(value) and asks:
        return Reply((Text(N_("To ask BDT something, write your question in words, not only symbols or emoji; "
                              "/help lists what I can do.")),))
    return None
