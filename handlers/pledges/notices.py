"""What staff read of a submitted pledge: every answer as its focal point confirmed it, the decision buttons of the
version shown, and for a resubmission what changed since BDT asked for changes (a message of its own, so that each
fits Telegram's limit whatever the answers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from handlers.forms.base import FormContext
from handlers.forms.changes import changed_fields as form_changed_fields
from handlers.forms.changes import changed_ids as form_changed_ids
from handlers.forms.engine import applicable
from handlers.fulltext import long_fields
from handlers.lengths import shorten
from handlers.messages import N_, Button, Code, Label, Line, Reply, Text, text
from handlers.people import acted_last
from handlers.pledges.form import PLEDGE_FORM
from handlers.pledges.rules import answers_of
from handlers.reports.cadence import cadence_buttons
from handlers.staff_notices import organisation_label, person_for_staff
from models.database import Session
from models.repositories.audit import AuditTrail
from models.tables import Contact, Entity, Pledge

NAME_EXCERPT = 100
"""How much of an organisation's name (up to 200 characters) a pledge's card shows."""
RESUBMITTED = "pledge.resubmitted"
"""The audit action of a pledge edited after a request for changes; its details keep the request it answered
(`request`) and the changed answers' old values (`before`), from which its notice is shown again."""
SUBMISSIONS = ("pledge.submitted", RESUBMITTED)
"""The audit actions of a pledge's version put before staff: their actor is who submitted it."""


def changed_ids(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """The ids of the pledge form's questions whose answer differs, in the form's order."""
    return form_changed_ids(PLEDGE_FORM, before, after)


def changed_fields(before: Mapping[str, object], after: Mapping[str, object]) -> tuple[Label, ...]:
    """One line per field of the pledge form whose answer differs (handlers.forms.changes)."""
    return form_changed_fields(PLEDGE_FORM, before, after)


@dataclass(frozen=True, slots=True)
class Resubmission:
    """A pledge's version edited after BDT asked for changes: the request it answers, and what changed (one line
    per field)."""

    request: str | None
    changes: tuple[Label, ...]


async def resubmission_of(session: Session, pledge: Pledge) -> Resubmission | None:
    """The resubmission the pledge's current version is, as its staff notice first listed it; None when it is not
    one (or was recorded before the old values were kept)."""
    if pledge.id is None or pledge.version < 2:
        return None
    details = await AuditTrail(session).last_details("pledge", pledge.id, RESUBMITTED)
    if details is None or details.get("version") != pledge.version or not isinstance(details.get("before"), dict):
        return None
    after = answers_of(pledge)
    request = details.get("request")
    return Resubmission(request if isinstance(request, str) else None,
                        changed_fields({**after, **details["before"]}, after))


def confirmed_lines(pledge: Pledge) -> list[Label]:
    """Every answer of the pledge as its focal point confirmed it in the form's summary, one line per question
    (long texts shortened, as the summary shows them)."""
    answers = answers_of(pledge)
    context = FormContext("en", date.min)  # the labels are translated when the message is rendered
    return [Line(Text(step.label), step.show(answers[step.id], context) if answers.get(step.id) is not None
                 else Text(N_("(skipped)"))) for step in applicable(PLEDGE_FORM, answers)]


def pledge_notice(pledge: Pledge, entity: Entity, submitter: Contact | None) -> Reply:
    """What staff read of a submitted pledge: its reference, organisation (with its number), the focal point who
    submitted this version (with their Telegram id; no line when unknown) and every answer, the description shortened
    with a 📖 button to read it whole."""
    by = (Line(Text(N_("Submitted by")), person_for_staff(submitter)),) if submitter is not None else ()
    return Reply((Text(N_("A pledge was submitted for validation:")),
                  Line(Text(N_("Reference")), Code(pledge.ref or "—")),
                  Line(Text(N_("Organisation")), organisation_label(entity, NAME_EXCERPT)), *by,
                  *confirmed_lines(pledge)),
                 tuple((button,) for button in long_fields(pledge, ("pd",))))


async def submitter_of(session: Session, pledge: Pledge) -> Contact | None:
    """Who submitted the pledge's current version: the last to submit or resubmit it, else its author (None when
    neither is known)."""
    return await acted_last(session, "pledge", pledge.id, SUBMISSIONS, pledge.created_by)


def review_notice(pledge: Pledge, entity: Entity, submitter: Contact | None, *, decision: bool = True) -> Reply:
    """The staff notification of a submitted pledge, with its decision buttons (which carry the version shown)
    unless `decision` is False."""
    message = pledge_notice(pledge, entity, submitter)
    if not decision:
        return message
    return Reply(message.parts, (*decision_buttons(pledge), cadence_buttons(pledge), *message.buttons))


def decision_buttons(pledge: Pledge) -> tuple[tuple[Button, ...], ...]:
    """Validate, request changes, reject: each for the version of the pledge shown (pv:<verdict>:<id>:<version>)."""
    seen = f"{pledge.id}:{pledge.version}"
    return ((Button(Text(N_("✅ Validate")), f"pv:ok:{seen}"),
             Button(Text(N_("✏️ Request changes")), f"pv:chg:{seen}")),
            (Button(Text(N_("❌ Reject")), f"pv:rej:{seen}"),))


def changes_notice(pledge: Pledge, resubmission: Resubmission) -> Reply:
    """What a resubmission changed, field by field, since BDT's request (which it quotes): sent with the notice."""
    parts: tuple[Label, ...] = (Line(Text(N_("Reference")), Code(pledge.ref or "—")),)
    if resubmission.request:
        parts += (text(N_("Changes requested: {comment}"), comment=shorten(resubmission.request)),)
    parts += ((Text(N_("Changed since the request for changes:")), *resubmission.changes) if resubmission.changes
              else (Text(N_("Nothing was changed since the request for changes.")),))
    return Reply(parts)


def review_notices(pledge: Pledge, entity: Entity, submitter: Contact | None,
                   resubmission: Resubmission | None) -> tuple[Reply, ...]:
    """The messages that put a submitted pledge before staff: a resubmission's changes, then the notice with its
    decision buttons."""
    return (*((changes_notice(pledge, resubmission),) if resubmission is not None else ()),
            review_notice(pledge, entity, submitter))


async def shown_again(session: Session, pledge: Pledge, entity: Entity) -> tuple[tuple[Reply, str | None], ...]:
    """The messages of the pledge's current version shown again (an old button, /pending): with its resubmission's
    changes, as first sent; each with the copy key to say it under (Conversation.say's `copy_of`): the notice is a
    staff copy like the others, closed with them once someone decided."""
    messages = review_notices(pledge, entity, await submitter_of(session, pledge),
                              await resubmission_of(session, pledge))
    return tuple((message, staff_copy_key(pledge) if index == len(messages) - 1 else None)
                 for index, message in enumerate(messages))


def staff_copy_key(pledge: Pledge) -> str:
    """The outbox key of the staff notification of the pledge's current version, before ":<staff member id>"."""
    return f"pledge:{pledge.id}:v{pledge.version}"


def changes_copy_key(pledge: Pledge) -> str:
    """The outbox key of a resubmission's changes sent with it, before ":<staff member id>" (never edited: the key
    does not start like `staff_copy_key`, whose copies a decision closes)."""
    return f"pledge-changes:{pledge.id}:v{pledge.version}"
