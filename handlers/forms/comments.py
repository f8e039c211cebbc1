"""The staff comment that goes with a decision (a pledge sent back or rejected, a report's clarification, an
organisation rejected): one typed text, sent to its readers as written."""

from __future__ import annotations

from handlers.forms.base import Form
from handlers.forms.steps import TextStep
from handlers.language import negotiate
from handlers.messages import N_, NP_, Items, Label, Text, plural, text
from handlers.people import name_of
from models.tables import Contact

COMMENT = "comment"
"""The step id: the journeys read the comment as `state.answers[COMMENT]`."""
MIN_LENGTH, MAX_LENGTH = 5, 1500
"""A comment says something (not "ok"), and fits one message with the notice it goes in."""


def comment_form(form_id: str, title: str, question: str) -> Form:
    """A form of one step, the comment (`question`: its prompt, a message id), with no summary: it is sent as
    written once typed."""
    return Form(id=form_id, title=title, summary=False,
                steps=(TextStep(id=COMMENT, label=N_("Comment"), min_length=MIN_LENGTH, max_length=MAX_LENGTH,
                                question=question),))


READS_IN: dict[str, tuple[str, str]] = {
    "ar": NP_("{people} reads Arabic.", "{people} read Arabic."),
    "en": NP_("{people} reads English.", "{people} read English."),
    "es": NP_("{people} reads Spanish.", "{people} read Spanish."),
    "fr": NP_("{people} reads French.", "{people} read French."),
    "ru": NP_("{people} reads Russian.", "{people} read Russian."),
    "zh": NP_("{people} reads Chinese.", "{people} read Chinese."),
}
"""Who reads a staff member's comment in which language, named in the staff member's language (as the helpdesk's
"Asked in French" does): a comment is sent as written, with no machine translation."""


def readers_note(readers: list[Contact], default_locale: str) -> tuple[Label, ...]:
    """What a staff member must know before writing to `readers` (the focal points the comment is sent to): who
    reads which language, and in which to write; nothing when nobody will read it yet."""
    by_language: dict[str, list[Label]] = {}
    for reader in readers:
        language = negotiate(reader.language, reader.telegram_language, default_locale)
        by_language.setdefault(language, []).append(name_of(reader))
    lines: tuple[Label, ...] = tuple(plural(*READS_IN[language], len(names), people=Items(tuple(names)))
                                     for language, names in by_language.items())
    if len(by_language) == 1:
        # TRANSLATORS: {readers} is a sentence such as "Awa Diop reads French."; only the space between is yours.
        return (text(N_("{readers} Write your comment in that language."), readers=lines[0]),)
    if by_language:
        return (*lines, Text(N_("They all get the same comment: write it in a language each of them reads, or in "
                                "each of their languages.")))
    return ()
