"""Choosing the language to speak: negotiation and the /language menu."""

from __future__ import annotations

from handlers.conversation import Conversation
from handlers.digests.service import drop_held
from handlers.inputs import Incoming
from handlers.language_names import named_language
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


def speaks(telegram_code: str | None) -> bool:
    """True when Telegram's language_code is one of the six languages."""
    return bool(telegram_code) and (telegram_code or "").replace("_", "-").split("-")[0].lower() in LANGUAGES


def _language_buttons() -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(LANGUAGE_NAMES[code], f"lang:{code}") for code in ("ar", "zh", "en", "fr", "ru", "es")]
    return tuple(buttons[:3]), tuple(buttons[3:])


def language_menu() -> Reply:
    """Buttons naming each language in itself."""
    return Reply((Text(N_("Choose your language:")),), _language_buttons())


OFFER = "اختر لغتك · 请选择语言 · Choose your language · Choisissez votre langue · Выберите язык · Elija su idioma"
"""The first words to a newcomer whose Telegram speaks none of the six: in all six, since we do not know theirs."""


def language_offer() -> Reply:
    """The six languages, each named in itself, offered in all six at once (first contact)."""
    return Reply((OFFER,), _language_buttons())


async def choose_language(conv: Conversation, code: str) -> bool:
    """Save the person's language if `code` names one of ours; False for a forged code. A digest written in the
    former language and held for their working hours is written again in this one (its text followed the reader,
    its chart and spreadsheet, made when it was written, did not: a tester)."""
    if code not in LANGUAGES:
        return False
    await drop_held(conv.session, conv.contact, language=code)  # one held in another: written again in this one
    conv.contact.language = code
    conv.locale = code
    conv.menu_changed = True  # the command menu follows the language at once
    conv.say(Reply((Text(N_("From now on I will write to you in English.")),)))
    return True


async def language_command(conv: Conversation, incoming: Incoming) -> None:
    """/language: the menu; /language fr (or a language's name) switches at once."""
    wanted = incoming.argument.strip()
    code = wanted.lower() if wanted.lower() in LANGUAGES else named_language(wanted) if wanted else None
    if code is None or not await choose_language(conv, code):
        conv.say(language_menu())
