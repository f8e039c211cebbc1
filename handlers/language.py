"""Choosing the language to speak: negotiation and the /language menu."""

from __future__ import annotations

from handlers.conversation import Conversation
from handlers.messages import N_, Button, Reply, Text
from models.values import LANGUAGE_NAMES, LANGUAGES


def negotiate(saved: str | None, telegram_code: str | None, default: str) -> str:
    """The saved choice, else Telegram's language_code mapped to ar/en/es/fr/ru/zh, else the default."""
    if saved in LANGUAGES:
        return saved
    if telegram_code:
        primary = telegram_code.replace("_", "-").split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return default if default in LANGUAGES else "en"


def language_menu() -> Reply:
    """Buttons naming each language in itself."""
    buttons = [Button(LANGUAGE_NAMES[code], f"lang:{code}") for code in ("ar", "zh", "en", "fr", "ru", "es")]
    return Reply((Text(N_("Choose your language:")),), (tuple(buttons[:3]), tuple(buttons[3:])))


def choose_language(conv: Conversation, code: str) -> bool:
    """Save the person's language if `code` names one of ours; False for a forged code."""
    if code not in LANGUAGES:
        return False
    conv.contact.language = code
    conv.locale = code
    conv.say(Reply((Text(N_("From now on I will write to you in English.")),)))
    return True
