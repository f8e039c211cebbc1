"""The broadcast composer, a form of the form engine: audience, texts per language, fallback, when."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from handlers.broadcasts.audience import EVERYONE, SEGMENTS, segment_label
from handlers.broadcasts.moments import MomentStep
from handlers.forms import markup
from handlers.forms.base import (
    Answer,
    Answers,
    Form,
    FormContext,
    InvalidAnswerError,
    Stay,
    Step,
    StepResult,
    Upload,
)
from handlers.forms.engine import words_not_kept
from handlers.forms.markup import Reason, Refusal
from handlers.forms.steps import ChoiceStep, MultiChoiceStep, has_letters, options_of
from handlers.language_names import named_language
from handlers.lengths import CAPTION_LIMIT, EXCERPT, TEXT_LIMIT, plain, shorten, visible_length
from handlers.messages import (
    N_,
    Button,
    Code,
    Concat,
    Items,
    Label,
    Markup,
    Number,
    Reply,
    Text,
    plural,
    text,
)
from models.values import LANGUAGE_NAMES, LANGUAGES

ALLOWED_TAGS = ("<b>", "<i>", "<u>", "<s>", '<a href="…">', "<code>", "<pre>", "<blockquote>")
"""The tags a complaint about a tag offers instead, shown as written."""
MARKUP_ERRORS: dict[Reason, str] = {
    "tag": N_("Telegram does not allow the tag {tag}. Use {allowed}; to show {sign} as it is, write {entity}."),
    "unbalanced": N_("A formatting tag is not closed, or closed in the wrong order."),
    "attribute": N_("That tag attribute is not allowed by Telegram."),
    "length": N_("The message is too long: a broadcast has 4,000 characters at most, 900 with a file."),
    "empty": N_("The message is empty."),
}


def language_label(code: str) -> Label:
    """A language named in itself."""
    return LANGUAGE_NAMES.get(code, code)


HEADER = N_("<b>📣 Partner2Connect announcement (ITU/BDT)</b>")
"""The line above every broadcast, in its reader's language: who sends it (not an answer to something they did)."""
MESSAGE = 4000
"""The most a broadcast's text may have (UTF-16 units, as Telegram counts): its limit less room for the header."""
CAPTION = 900
"""The same, for the text that goes under a photo or a document."""
HEADER_ROOM = min(TEXT_LIMIT - MESSAGE, CAPTION_LIMIT - CAPTION)
"""What the header may take in any language, with the blank line after it and its direction mark
(tests/unit/test_broadcast_header_room.py measures it): a text the composer accepts is never refused by Telegram."""


def as_received(body: str, attachment: tuple[str, str] | None = None, *, language: str | None = None) -> Reply:
    """A broadcast's text as its recipients get it, under the header that says who sends it (in the reader's language,
    or in `language`: a preview of what its readers get); `attachment` (kind, file id) when it is a caption."""
    return Reply((Text(HEADER), Markup(body)), attachment=attachment, locale=language)


def received_with(body: str, attachment: object, language: str) -> tuple[Reply, ...]:
    """A preview of the broadcast as `language`'s readers get it, with its file: under it, or just before it when it
    is sent apart (the preview showed the text alone, a tester)."""
    if not isinstance(attachment, Mapping):
        return (as_received(body, language=language),)
    file = (str(attachment["kind"]), str(attachment["file_id"]))
    if attachment.get("separate"):
        return Reply((), attachment=file), as_received(body, language=language)
    return (as_received(body, file, language=language),)


def as_caption(answers: Answers) -> bool:
    """True when the message goes out as the caption of the attached file (not with the file sent apart)."""
    attachment = answers.get("attachment")
    return bool(attachment) and not (isinstance(attachment, Mapping) and attachment.get("separate"))


def refusal(value: str, answers: Answers) -> Refusal | None:
    """What Telegram would refuse in a text of the broadcast (None: nothing), with the limit that applies: the
    caption's under a file sent with it, else a message's. The composer says it in the reader's language (`checked`),
    the service in a line of English (service.refusal_line)."""
    return markup.refusal(markup.literal(value), CAPTION if as_caption(answers) else MESSAGE)


def checked(value: str, answers: Answers) -> str:
    """The text, if Telegram accepts its HTML (as a caption when a file is attached), with what is meant literally
    written so (markup.literal: "< 30 June"); else a localized complaint.

    A text over the caption's limit but fit for a message of its own is not refused here: the steps keep it with the
    offer to send the file separately (`too_long`)."""
    wrong = refusal(value, answers)
    if wrong is None:
        if not has_letters(plain(value)):  # a zero-width space went out as a header over nothing (a tester)
            raise InvalidAnswerError(Text(N_("Please answer with words, not only symbols or emoji.")))
        return markup.literal(value).strip()
    if wrong.length > MESSAGE:  # too long for a message of its own as well
        raise InvalidAnswerError(text(N_("A broadcast can have 4,000 characters, and yours has {count}. Shorten it "
                                         "to at most 4,000 characters."), count=Number(wrong.length)))
    raise InvalidAnswerError(complaint(wrong))


def complaint(wrong: Refusal) -> Text:
    """What Telegram would refuse, said in the reader's language. The catalog's texts are Telegram HTML, so the tags a
    complaint names are its parameters, shown as written: "<blockquote>" in the text itself was taken for a tag, and
    Telegram refused the complaint ("Can't find end tag"), leaving the writer an apology instead."""
    if wrong.reason == "tag":
        return text(MARKUP_ERRORS["tag"], tag=Code(f"<{wrong.detail}>"),
                    allowed=Items(tuple(Code(tag) for tag in ALLOWED_TAGS), choice=True), sign=Code("<"),
                    entity=Code("&lt;"))
    return Text(MARKUP_ERRORS[wrong.reason])


def too_long_for_caption(answers: Answers) -> int:
    """The length of the message already written when it is over the caption limit; else 0."""
    message = answers.get("text")
    length = visible_length(str(message)) if message else 0
    return length if length > CAPTION else 0


def translations_too_long(answers: Answers) -> tuple[str, ...]:
    """The languages whose translation, already written, is over the caption limit."""
    return tuple(language for language, body in dict(answers.get("translations") or {}).items()
                 if visible_length(str(body)) > CAPTION)


def translations_fitting(answers: Answers) -> dict[str, str]:
    """The translations already written that fit under a file."""
    return {language: str(body) for language, body in dict(answers.get("translations") or {}).items()
            if visible_length(str(body)) <= CAPTION}


def message_label(value: str) -> Label:
    """A message as a summary or an echo shows it: with its formatting when short, else a plain excerpt."""
    return Markup(value) if visible_length(value) <= EXCERPT else shorten(plain(value))


@dataclass(frozen=True, kw_only=True)
class AudienceStep(MultiChoiceStep):
    """Segments toggled with buttons; shows how many people match and how many are unreachable.

    "Everyone" stands alone: ticking it clears the segments, ticking a segment clears it (everyone within the
    segments is what a segment means). Done is refused while nobody the audience reaches can receive it."""

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """The size of the audience as currently chosen."""
        if "reachable" not in ctx.facts:
            return ()
        reachable, unreachable = int(ctx.facts["reachable"]), int(ctx.facts["unreachable"])
        if not unreachable:  # "of whom 0 unreachable" says nothing
            return (plural("{count} person matches.", "{count} people match.", reachable),)
        return (plural("{count} person matches ({unreachable} unreachable).",
                       "{count} people match ({unreachable} unreachable).", reachable + unreachable,
                       unreachable=Number(unreachable)),)

    def summarised(self, value: Any, answers: Answers, ctx: FormContext) -> Label:
        """The segments, and how many people they reach now: the summary staff submit from said neither (a review;
        an edit of a scheduled broadcast opens at the summary, its audience counted nowhere else)."""
        counted = self.lines(answers, {}, ctx)
        return Concat((self.show(value, ctx), "\n", *counted)) if counted else self.show(value, ctx)

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Toggle a segment ("Everyone" alone), or finish when someone can receive the broadcast."""
        if code == "done" and int(ctx.facts.get("reachable", 1)) == 0 and self._picked(answers, scratch):
            raise InvalidAnswerError(Text(N_("Nobody can receive this broadcast: no one reachable matches all the "
                                             "groups ticked. Untick some groups or choose others, then press Done.")))
        result = super().on_code(code, answers, scratch, ctx)
        if isinstance(result, Answer) and result.value:
            result = replace(result, echo=self.show(result.value, ctx))
        return self._alone(result, answers, scratch)

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The segments of each kind joined with "or" (anyone in one of them), one line per kind when there are
        several (the audience is in all of them): "and" both within and across kinds said neither."""
        kinds: dict[str, list[Label]] = {}
        for token in value or []:
            kinds.setdefault(str(token).partition(":")[0], []).append(self.label_of(str(token)))
        lines = [Items(tuple(labels), choice=True) for labels in kinds.values()]
        if len(lines) == 1:
            return lines[0]
        return Concat(tuple(part for line in lines for part in ("\n• ", line)))

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Toggle segments typed by their labels ("Everyone" alone)."""
        return self._alone(super().on_text(value, answers, scratch, ctx), answers, scratch)

    def _alone(self, result: StepResult, answers: Answers, scratch: Mapping[str, Any]) -> StepResult:
        """The toggled selection with "Everyone" kept apart: the newer of it and the segments stays."""
        if not isinstance(result, Stay):
            return result
        before, picked = self._picked(answers, scratch), list(result.scratch.get("picked", []))
        if EVERYONE in picked and len(picked) > 1:
            picked = [EVERYONE] if EVERYONE not in before else [p for p in picked if p != EVERYONE]
        return replace(result, scratch={**result.scratch, "picked": picked})


def too_long(value: str, answers: Answers) -> str:
    """A text fit for a message of its own but too long to go under the attached file; else ""."""
    fit = markup.literal(value).strip()
    if not as_caption(answers) or markup.refusal(fit, MESSAGE):  # refused by `checked`, with the caption's limit
        return ""
    return fit if visible_length(fit) > CAPTION else ""


def too_long_note(length: int, *, translation: bool = False) -> Label:
    """What is said of a text too long for a caption (the message, or the `translation` just written): the two ways
    out (the button sends the file separately)."""
    if translation:
        return text(N_("With a file, a broadcast can have 900 characters under it, and this translation has {count}. "
                       "Shorten it, or send the file separately just before the message?"), count=Number(length))
    return text(N_("With a file, a broadcast can have 900 characters under it, and your message has {count}. "
                   "Shorten the message, or send the file separately just before it?"), count=Number(length))


def separate_button(step: str) -> Button:
    """The way out of a text too long to go under the file: send the file apart from it."""
    return Button(Text(N_("📎 Send the file separately")), f"f:{step}:c:separate")


def sent_apart(attachment: Mapping[str, Any]) -> dict[str, Any]:
    """The attached file, sent in a message of its own just before the text."""
    return {**attachment, "separate": True}


@dataclass(frozen=True, kw_only=True)
class MessageStep(Step):
    """The message in the first language, in Telegram HTML."""

    takes_formatting = True

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """The real limit of the message: Telegram's for a caption when a file goes with it (unless the message
        just written is over it: the note above says so and offers to send the file separately)."""
        if "long" in scratch:
            return ()
        if as_caption(answers):
            return (Text(N_("With a file, the message can have 900 characters at most.")),)
        return (Text(N_("The message can have 4,000 characters at most.")),)

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """The way out of a message just written too long to go under the file: send the file apart from it."""
        return [[separate_button(self.id)]] if "long" in scratch else []

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Accept text Telegram would accept; one fit for a message but too long to go under the file is kept
        while the person writes a shorter one or chooses to send the file separately."""
        if long := too_long(value, answers):
            return Stay({"long": long}, (too_long_note(visible_length(long)),))
        message = checked(value, answers)
        return Answer(message, message_label(message))

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Keep the message too long for a caption, and send the file separately just before it."""
        long, attachment = scratch.get("long"), answers.get("attachment")
        if code != "c:separate" or not long or not isinstance(attachment, Mapping):
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        apart = sent_apart(attachment)
        return Answer(long, Concat((message_label(long), "\n", attachment_label(apart))), also={"attachment": apart})

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The message with its formatting, or an excerpt of a long one (`whole` shows all of it)."""
        return message_label(str(value))

    def whole(self, value: Any, ctx: FormContext) -> tuple[Label, ...]:
        """A long message as it will be sent, in a message of its own."""
        return (Markup(str(value)),) if visible_length(str(value)) > EXCERPT else ()

    def still_valid(self, value: Any, answers: Answers) -> bool:
        """A message too long for a caption no longer holds once a file is attached to it."""
        return not as_caption(answers) or visible_length(str(value)) <= CAPTION


TRANSLATED = "$translated"
"""Hidden answer: language → the message its translation was written for (noted when it is written, and when the
message and a translation swap places); a translation written for another message may no longer say the same."""


def never(answers: Answers) -> bool:
    """The condition of a step never asked: one that only holds what the other steps note (see BROADCAST_FORM)."""
    return False


def translated_for(answers: Answers, texts: Mapping[str, Any], written: Collection[str]) -> dict[str, str]:
    """The note of what each of the translations `texts` was written for, those of the languages `written` just now
    written for the current message: the others keep their note, if any."""
    noted = dict(answers.get(TRANSLATED) or {})
    message = str(answers.get("text") or "")
    return {code: message if code in written else str(noted[code])
            for code in texts if code in written or code in noted}


def translating(answers: Answers, scratch: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with the translations accepted so far on their step (`scratch`), and what each was written for."""
    if "texts" not in scratch:
        return dict(answers)
    texts = dict(scratch["texts"])
    return {**answers, "translations": texts,
            TRANSLATED: translated_for(answers, texts, set(scratch.get("written", ())))}


def out_of_date(answers: Answers, unchanged: Collection[str]) -> list[str]:
    """The translations that may no longer say what the message says: written for another message, or, not written
    since an edited broadcast was opened, left as they were although its message changed (`unchanged`)."""
    noted = dict(answers.get(TRANSLATED) or {})
    message = answers.get("text")
    return [code for code in dict(answers.get("translations") or {})
            if (noted[code] != message if code in noted else code in unchanged)]


def stale_label(ctx: FormContext, texts: Mapping[str, Any]) -> Label | None:
    """The translations, among `texts`, that may no longer say what the message says (the journey finds them:
    `stale` in its facts, see `out_of_date`), named; None when there are none."""
    stale = [code for code in ctx.facts.get("stale", ()) if code in texts]
    return Items(tuple(language_label(code) for code in stale)) if stale else None


@dataclass(frozen=True, kw_only=True)
class TranslationsStep(Step):
    """Translations added one language at a time; shows which of the audience's languages still miss one.

    A translation too long to go under the attached file is kept while the person writes a shorter one or chooses
    to send the file separately, as the message step does; that choice revises the attachment when they finish or
    go back. The translations accepted are held: Back keeps them, and Skip, which would drop them, is not offered."""

    takes_formatting = True

    def _texts(self, answers: Answers, scratch: Mapping[str, Any]) -> dict[str, str]:
        return dict(scratch["texts"]) if "texts" in scratch else dict(answers.get(self.id) or {})

    @staticmethod
    def _answers(answers: Answers, scratch: Mapping[str, Any]) -> Answers:
        """The answers as they will be once this step is done: with the file sent separately, if so chosen."""
        attachment = answers.get("attachment")
        if scratch.get("separate") and isinstance(attachment, Mapping):
            return {**answers, "attachment": sent_apart(attachment)}
        return answers

    @staticmethod
    def _kept(scratch: Mapping[str, Any]) -> dict[str, Any]:
        """What the step remembers between answers besides the texts: the file sent separately, if so chosen, and
        the languages written on it (for the message as it is now)."""
        return {**({"separate": True} if scratch.get("separate") else {}),
                **({"written": list(scratch["written"])} if scratch.get("written") else {})}

    @staticmethod
    def _written(scratch: Mapping[str, Any], language: str) -> dict[str, Any]:
        """The languages written on the step, with one more."""
        return {"written": [*(code for code in scratch.get("written", ()) if code != language), language]}

    def held(self, answers: Answers, scratch: Mapping[str, Any]) -> Answer | None:
        """The translations accepted so far, kept when the person goes back (with the file sent separately, if so
        chosen, and what each was written for) and not offered to Skip; a translation too long for the caption,
        awaiting a choice, is not one."""
        texts = self._texts(answers, scratch)
        if not texts:
            return None
        noted = {TRANSLATED: translated_for(answers, texts, set(scratch.get("written", ())))}
        attachment = answers.get("attachment")
        if scratch.get("separate") and isinstance(attachment, Mapping):
            return Answer(texts, also={"attachment": sent_apart(attachment), **noted})
        return Answer(texts, also=noted)

    def lines(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> tuple[Label, ...]:
        """Languages of the audience without a text, with how many people read each; or what is awaited."""
        if scratch.get("adding"):
            if "long" in scratch:  # the note above says why, and the button offers the way out
                return ()
            return (text(N_("Send the text in this language: {language}."),
                         language=language_label(scratch["adding"])),)
        stale = stale_label(ctx, self._texts(answers, scratch))
        warned: tuple[Label, ...] = () if stale is None else (
            text(N_("⚠️ The message changed, but not these translations: {languages}."), languages=stale),)
        missing = readers_without_text({**answers, "translations": self._texts(answers, scratch)}, ctx)
        if not missing:
            return (*warned, Text(N_("Every language of the audience has a text.")))
        return (*warned, text(N_("Still missing: {languages}"), languages=Items(tuple(missing))))

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """Add or replace a translation, preview one, or finish; send the file separately after a translation too
        long to go under it."""
        if "long" in scratch:
            return [[separate_button(self.id)]]
        texts = self._texts(answers, scratch)
        first = answers.get("language")
        adds = [Button(Concat(("✏️ " if code in texts else "➕ ", language_label(code))), f"f:{self.id}:c:add:{code}")
                for code in LANGUAGES if code != first]
        previews = [Button(Concat(("👁 ", language_label(code))), f"f:{self.id}:c:show:{code}")
                    for code in LANGUAGES if code in texts or code == first]
        rows = [adds[i:i + 3] for i in range(0, len(adds), 3)] + [previews[i:i + 3] for i in range(0, len(previews), 3)]
        return [*rows, [Button(Text(N_("Done ✔️")), f"f:{self.id}:done")]]

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Start adding a language, preview one, send the file separately, or finish."""
        texts, kept = self._texts(answers, scratch), self._kept(scratch)
        attachment = answers.get("attachment")
        if code == "done":
            shown: Label = Items(tuple(language_label(c) for c in texts)) if texts else Text(N_("none"))
            noted = {TRANSLATED: translated_for(answers, texts, set(scratch.get("written", ())))}
            if kept.get("separate") and isinstance(attachment, Mapping):
                apart = sent_apart(attachment)
                return Answer(texts, Concat((shown, "\n", attachment_label(apart))),
                              also={"attachment": apart, **noted})
            return Answer(texts, shown, also=noted)
        verb, _, language = code.partition(":")
        action, _, language = language.partition(":") if verb == "c" else ("", "", "")
        if action == "separate" and scratch.get("long") and scratch.get("adding") and isinstance(attachment, Mapping):
            adding = str(scratch["adding"])
            texts = {**texts, adding: str(scratch["long"])}
            return Stay({"texts": texts, "separate": True, **self._written(scratch, adding)}, (
                text(N_("Added: {language}."), language=language_label(adding)),
                attachment_label(sent_apart(attachment))))
        if action == "add" and language in LANGUAGES and language != answers.get("language"):
            return Stay({"texts": texts, "adding": language, **kept})
        if action == "show" and (language in texts or language == answers.get("language")):
            body = texts.get(language) or str(answers.get("text", ""))
            # the text alone may use the whole limit: it goes in a message of its own, the question after it
            preview = Concat((Text(N_("Preview above:")), " ", language_label(language)))
            # the file as it will go: apart from the text when so chosen on this step
            received = received_with(body, self._answers(answers, scratch).get("attachment"), language)
            return Stay({"texts": texts, **kept}, (preview,), received)
        raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """The text of the language being added; one too long to go under the file is kept with the offer to send
        the file separately."""
        language = scratch.get("adding")
        if not language:
            raise InvalidAnswerError(Text(N_("Choose a language with the buttons below, then send its text.")))
        texts, kept, revised = self._texts(answers, scratch), self._kept(scratch), self._answers(answers, scratch)
        if long := too_long(value, revised):
            return Stay({"texts": texts, "adding": language, "long": long, **kept},
                        (too_long_note(visible_length(long), translation=True),))
        texts = {**texts, language: checked(value, revised)}
        return Stay({"texts": texts, **kept, **self._written(scratch, str(language))},
                    (text(N_("Added: {language}."), language=language_label(language)),))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """The languages translated; those not changed with the message of an edited broadcast pointed out, with the
        way to check them."""
        if not value:
            return Text(N_("none"))
        shown = Items(tuple(language_label(c) for c in value))
        stale = stale_label(ctx, value)
        if stale is None:
            return shown
        return Concat((shown, "\n", text(N_("⚠️ The message changed, but not these translations: {languages}. "
                                            "Check them with ✏️ Translations."), languages=stale)))

    def still_valid(self, value: Any, answers: Answers) -> bool:
        """Translations too long for a caption no longer hold once a file is attached to them."""
        return not as_caption(answers) or all(visible_length(str(body)) <= CAPTION for body in dict(value).values())


@dataclass(frozen=True, kw_only=True)
class AttachmentStep(Step):
    """An optional photo or document sent as is; the message becomes its caption."""

    def on_upload(self, upload: Upload, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Keep the file's id, kind and name (a document has one: it is how staff see which file they sent); a
        message already written that is too long for a caption is said, with the two ways out: shorten the message,
        or send the file in a message of its own before it."""
        file = {"kind": upload.kind, "file_id": upload.file_id, **({"name": upload.name} if upload.name else {})}
        longest, languages = too_long_for_caption(answers), translations_too_long(answers)
        notes: tuple[Label, ...] = (too_long_note(longest),) if longest else ()
        if languages:  # named: a tester's message of 17 characters was said to have the 1,208 of its translation
            notes += (plural(
                "With a file, a translation can have 900 characters too, and the one into {languages} has more. ✂️ "
                "takes it out, for you to write it again shorter with ✏️ Translations; with 📎 every text stays "
                "whole.",
                "With a file, a translation can have 900 characters too, and those into {languages} have more. ✂️ "
                "takes them out, for you to write them again shorter with ✏️ Translations; with 📎 every text "
                "stays whole.", len(languages), languages=Items(tuple(language_label(code) for code in languages))),)
        said = words_not_kept(upload.caption)  # the message is asked for in its language next: said, not dropped
        if notes:
            return Stay({"file": file}, (*notes, *said))
        return Answer(file, Concat((self.show(file, ctx), *(part for note in said for part in ("\n", note)))))

    def on_file(self, kind: str, file_id: str, answers: Answers, ctx: FormContext) -> StepResult:
        """A file without its name, as `on_upload` takes it."""
        return self.on_upload(Upload(kind, file_id), answers, {}, ctx)

    def buttons(self, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> list[list[Button]]:
        """The two ways out when the file came after a message too long for its caption; or, back at this question
        with a file that goes under the message (as the message step advises when the message is too long for
        that), the way to send it separately."""
        separate = separate_button(self.id)
        if "file" in scratch:
            shorten = Text(N_("✂️ Shorten the message")) if too_long_for_caption(answers) else plural(
                "✂️ Take the long translation out", "✂️ Take the long translations out",
                len(translations_too_long(answers)))
            return [[Button(shorten, f"f:{self.id}:c:shorten")], [separate]]
        held = answers.get(self.id)
        return [[separate]] if isinstance(held, Mapping) and not held.get("separate") else []

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Shorten (the message is asked again, with the caption's limit) or send the file separately."""
        file = scratch.get("file") if "file" in scratch else answers.get(self.id) if code == "c:separate" else None
        if not isinstance(file, Mapping) or code not in ("c:shorten", "c:separate"):
            raise InvalidAnswerError(Text(N_("That button belongs to an earlier question. Here is the current one.")))
        value: dict[str, Any] = {"kind": str(file["kind"]), "file_id": str(file["file_id"])}
        if file.get("name"):
            value["name"] = str(file["name"])
        if code == "c:separate":
            value["separate"] = True
            return Answer(value, self.show(value, ctx))
        taken_out = translations_too_long(answers)
        if not taken_out:
            return Answer(value, self.show(value, ctx))
        # only the translations too long go: the others, fitting, stay (all of them were dropped without a word)
        said = plural("Taken out: the translation into {languages}. Write it again, in 900 characters at most, with "
                      "✏️ Translations.",
                      "Taken out: the translations into {languages}. Write them again, in 900 characters at most, "
                      "with ✏️ Translations.", len(taken_out),
                      languages=Items(tuple(language_label(code) for code in taken_out)))
        return Answer(value, Concat((self.show(value, ctx), "\n", said)),
                      also={"translations": translations_fitting(answers)})

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """Text is not a file."""
        raise InvalidAnswerError(Text(N_("Send a photo or a document, or press Skip.")))

    def show(self, value: Any, ctx: FormContext) -> Label:
        """What kind of file is attached, and whether it goes apart from the message."""
        return attachment_label(value)


def attachment_label(value: Mapping[str, Any]) -> Label:
    """The file attached (a document by its name, as staff sent it), and whether it goes apart from the message."""
    name = value.get("name")
    shown: Label = Text(N_("📷 a photo")) if value.get("kind") == "photo" else \
        Concat(("📎 ", str(name))) if name else Text(N_("📎 a document"))
    return Concat((shown, " ", Text(N_("(sent separately, just before the message)")))) if value.get("separate") \
        else shown


def written_languages(answers: Answers) -> tuple[str, ...]:
    """The languages the broadcast has a text in, the first one first: the only ones a fallback can be (the message
    in the first language is required: one asked again, too long for a file attached since, keeps it)."""
    first = answers.get("language")
    if not first:
        return ()
    translated = dict(answers.get("translations") or {})
    return (str(first), *(code for code in LANGUAGES if code != first and translated.get(code)))


@dataclass(frozen=True, kw_only=True)
class LanguageStep(ChoiceStep):
    """A language among the buttons, typed also by its name in any of the six ("French", "français", "法语"): a
    tester's "French" was told to choose with the buttons, only "Français" was taken."""

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """The language the text names, when this step offers it; else a typed label, as any choice."""
        named = named_language(value)
        if named is not None and named in options_of(self.choices, answers):
            return Answer(named, self.label_of(named))
        return super().on_text(value, answers, scratch, ctx)


def readers_without_text(answers: Answers, ctx: FormContext) -> list[Label]:
    """The audience's languages that have no text, each with how many recipients read it: "Español (3 recipients)"."""
    have = set(written_languages(answers))
    readers: Mapping[str, int] = ctx.facts.get("languages", {})
    return [plural("{language} ({count} recipient)", "{language} ({count} recipients)", readers[code],
                   language=language_label(code)) for code in LANGUAGES if code not in have and readers.get(code)]


@dataclass(frozen=True, kw_only=True)
class FallbackStep(LanguageStep):
    """The language of the people whose own has no text; the summary says who they are."""

    def summarised(self, value: Any, answers: Answers, ctx: FormContext) -> Label:
        """The language, and the readers who get it instead of their own: the summary said only "English", staff
        could not see that 3,300 people would read it rather than their language (a review)."""
        others = readers_without_text(answers, ctx)
        if not others:
            return self.show(value, ctx)
        return text(N_("{language}, also for those who read {languages}"), language=self.show(value, ctx),
                    languages=Items(tuple(others)))


@dataclass(frozen=True, kw_only=True)
class FirstLanguageStep(LanguageStep):
    """The language the message is written in. Choosing one that has a translation swaps the two: that translation
    becomes the message and the message the translation of the language it was in, so that nothing written is lost
    or goes to the wrong readers; the person is told."""

    def on_code(self, code: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """A language offered, the message and a translation swapped when it has one."""
        return self._swapped(super().on_code(code, answers, scratch, ctx), answers)

    def on_text(self, value: str, answers: Answers, scratch: Mapping[str, Any], ctx: FormContext) -> StepResult:
        """A language typed by its name, the message and a translation swapped when it has one."""
        return self._swapped(super().on_text(value, answers, scratch, ctx), answers)

    @staticmethod
    def _swapped(result: StepResult, answers: Answers) -> StepResult:
        """The choice, with the message and the chosen language's translation swapped when it has one: each
        translation is then noted as written for the new message when both it and the one swapped were written for
        the old message, else as written for another."""
        before, message = answers.get("language"), answers.get("text")
        translations = dict(answers.get("translations") or {})
        if not isinstance(result, Answer) or not before or not message or result.value == before \
                or result.value not in translations:
            return result
        after = str(result.value)
        body = str(translations[after])
        swapped = {str(before) if code == after else code: text_ for code, text_ in translations.items()}
        swapped[str(before)] = str(message)
        noted = dict(answers.get(TRANSLATED) or {})
        fresh = noted.get(after, message) == message  # the translation promoted said what the message said
        written = {code: body if fresh and (code == before or noted.get(code, message) == message) else ""
                   for code in swapped}
        told = text(N_("The {language} translation is now the message, and the message in {before} is kept as a "
                       "translation."), language=language_label(after), before=language_label(str(before)))
        echo: Label = Concat((result.echo, "\n", told)) if result.echo is not None else told
        return Answer(after, echo, also={"text": body, "translations": swapped, TRANSLATED: written})


def when_label(code: str) -> Label:
    """"Now" or "Later"."""
    return Text(N_("🚀 Send now") if code == "now" else N_("🗓 Schedule"))


BROADCAST_FORM = Form(
    id="broadcast",
    title=N_("Broadcast"),
    steps=(
        AudienceStep(id="audience", label=N_("Audience"), choices=SEGMENTS, label_of=segment_label, columns=2,
                     question=N_("Who should receive it? Tap the groups to combine (any within a kind, all "
                                 "across kinds), then Done.")),
        AttachmentStep(id="attachment", label=N_("Attachment"), optional=True,
                       question=N_("Attach a photo or a document? Send it now, or press Skip.")),
        # never asked: what each translation was written for, noted by the steps after it (its wording is unused)
        Step(id=TRANSLATED, label=N_("Translations"), question=N_("Add translations, one language at a time, then "
                                                                   "Done."), when=never),
        FirstLanguageStep(id="language", label=N_("First language"), choices=LANGUAGES, label_of=language_label,
                          columns=3, question=N_("In which language will you write it first?")),
        MessageStep(id="text", label=N_("Message"),
                    question=N_("Write the message. Telegram formatting works: <b>bold</b>, <i>italic</i>, "
                                "<a href=\"https://www.itu.int\">links</a>.")),
        TranslationsStep(id="translations", label=N_("Translations"), optional=True,
                         question=N_("Add translations, one language at a time, then Done.")),
        # only a language with a text: what is chosen is what those readers get; asked only when there is a choice
        # (a message in one language goes to everyone in it: a question with one button was one tap for nothing),
        # counted until the translations are done, as the time below is: "Question 6 of 7" never grows to "7 of 8"
        FallbackStep(id="fallback", label=N_("Fallback language"), choices=written_languages, label_of=language_label,
                     columns=3, question=N_("People whose language has no text receive it in:"),
                     when=lambda answers: "translations" not in answers or len(written_languages(answers)) > 1),
        ChoiceStep(id="when", label=N_("When"), choices=("now", "later"), label_of=when_label,
                   question=N_("Send it now, or schedule it?")),
        # counted from the start while it may still be asked: "Question 7 of 8" never grows to "8 of 8"
        MomentStep(id="send_at", label=N_("Scheduled for"), when=lambda a: a.get("when", "later") == "later",
                   question=N_("When? Give a date and a time in your time zone.")),
    ),
)


EDITING = "$broadcast_id"
"""Hidden answer: the scheduled broadcast the composer edits (submitting updates it rather than creating one)."""


def fallback_of(answers: Answers) -> str:
    """The language of those whose own has no text: the one chosen, else (written in one language, not asked) the
    message's."""
    chosen = answers.get("fallback")
    return str(chosen) if chosen and chosen in written_languages(answers) else str(answers["language"])


def texts_of(answers: Answers) -> dict[str, str]:
    """Language → text, from the composer's answers, the first language first: its message is never replaced by a
    translation in the same language (one the swap of `FirstLanguageStep` leaves none of)."""
    first = str(answers["language"])
    translated = {code: str(body) for code, body in dict(answers.get("translations") or {}).items() if code != first}
    return {first: str(answers["text"]), **translated}
