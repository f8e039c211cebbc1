"""Words typed as an answer that mean a form's own buttons: cancel, back, help, skip and done, in the six languages.

A person who types "annuler" or "إلغاء" at a question means Cancel, not a title; the whole message must be
one of these words (folded: case, accents and punctuation do not matter), so a sentence that contains one
is still an answer.
"""

from __future__ import annotations

import unicodedata

INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancel", "annuler", "annule", "annulez", "cancelar", "cancela", "cancele", "отмена", "отменить",
               "отмени", "отменяю", "إلغاء", "الغاء", "ألغ", "ألغي", "إلغ", "取消"),
    "back": ("back", "go back", "previous", "retour", "revenir", "précédent", "atrás", "atras", "volver",
             "anterior", "назад", "вернуться", "رجوع", "عودة", "السابق", "ارجع", "返回", "上一步", "后退"),
    "help": ("help", "aide", "aidez-moi", "ayuda", "помощь", "справка", "помогите", "مساعدة", "ساعدني", "帮助",
             "幫助", "求助"),
    # Skip, and "I don't know" (a question that may be skipped is skipped; one that may not says so)
    "skip": ("skip", "pass", "i don't know", "i dont know", "don't know", "dont know", "unknown", "not known",
             "passer", "je ne sais pas", "je sais pas", "inconnu", "omitir", "saltar", "no sé", "no lo sé",
             "no sabemos", "desconocido", "пропустить", "не знаю", "неизвестно", "нет данных", "تخطي", "تخط",
             "لا أعرف", "لا اعرف", "لا نعرف", "غير معروف", "跳过", "不知道", "不清楚", "未知"),
    # only where the question shows a Done button (engine): elsewhere "listo" may be an answer
    "done": ("done", "finished", "that's all", "terminé", "terminer", "fini", "c'est tout", "listo", "lista",
             "hecho", "terminado", "eso es todo", "готово", "закончил", "закончила", "это всё", "это все", "تم",
             "انتهيت", "خلاص", "完成", "好了", "完了"),
}


_LETTERS = str.maketrans({"ة": "ه", "ى": "ي"})  # typed interchangeably in Arabic


def fold(value: str) -> str:
    """Case, accents, Arabic letter variants, punctuation and spacing folded away."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", value.casefold()):
        category = unicodedata.category(char)
        if category[0] == "M" or char == "ـ":
            continue
        kept.append(char if category[0] in "LN" else " ")
    return " ".join("".join(kept).translate(_LETTERS).split())


_INTENTS: dict[str, str] = {fold(word): intent for intent, words in INTENT_WORDS.items() for word in words}


def typed_intent(value: str) -> str | None:
    """"cancel", "back", "help", "skip" or "done" when the whole of `value` is one of their words; otherwise None."""
    if len(value) > 30:
        return None
    return _INTENTS.get(fold(value))
