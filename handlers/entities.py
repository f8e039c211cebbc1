"""Staff decisions on organisations: validate one waiting for validation, reject it with a reason the person who
registered it reads, or validate after all one that was rejected."""

from __future__ import annotations

from handlers import buttons, outbox
from handlers.conversation import Conversation, Journey, begin
from handlers.forms.base import FormState
from handlers.forms.comments import COMMENT, comment_form, readers_note
from handlers.messages import N_, Button, Code, Label, Reply, Text, text
from handlers.onboarding import REGISTRATION_DROPPED, drop_registration, entity_copy_key, entity_notice
from handlers.people import audit, decided_by, not_allowed, role_of, staff_member
from handlers.staff_notices import close_staff_copies, person_for_staff, when_label
from models.repositories.audit import AuditTrail
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.tables import Contact, Entity
from models.values import EntityStatus, Role

DECISIONS = frozenset({"entity.validated", "entity.rejected"})
"""The audit actions of a staff decision on an organisation."""

REJECTION_FORM = comment_form("entity_rejection", N_("Organisation review"),
                              N_("Write the reason for the person who registered the organisation (it is sent as you "
                                 "write it)."))
"""The reason a staff member gives for rejecting an organisation, sent as written to whoever registered it."""


def is_staff(conv: Conversation) -> bool:
    """True when the person may act as BDT staff."""
    return is_staff_contact(conv.contact)


def is_staff_contact(contact: Contact) -> bool:
    """True when the contact may act as BDT staff."""
    role = role_of(contact)
    return role is not None and role.is_staff


async def refuse(conv: Conversation, action: str, target_type: str | None = None,
                 target_id: int | None = None) -> None:
    """Say no to an action the person's role does not allow, and audit the attempt."""
    await audit(conv.session, conv.contact, "denied", target_type, target_id, attempted=action)
    conv.say(await not_allowed(conv.session, conv.contact))


async def refuse_own(conv: Conversation, action: str, target_type: str, target_id: int | None, own: Label) -> None:
    """Say no to a staff member deciding on what they submitted themselves (`own` says what), and audit it: a
    colleague decides, validation by someone else being the point."""
    await audit(conv.session, conv.contact, "denied", target_type, target_id, attempted=action, reason="own")
    conv.say(Reply((own, Text(N_("A colleague on the staff decides on it: validation by someone else is the point. "
                                 "Nothing was applied or sent.")))))


def registrant_of(members: list[Contact]) -> Label | None:
    """Who registered an organisation, as its staff notice names them: its first named focal point, with their
    Telegram id; None when none is left (entity_notice then says so, not "registered by .")."""
    named = next((m for m in members if m.role == Role.focal_point and m.full_name), None)
    return person_for_staff(named) if named is not None else None


async def decide_entity(conv: Conversation, code: str) -> None:
    """A staff button on an organisation, staff only: validate it ("ent:ok:<id>"; of a rejected one, first ask
    whether to validate it after all), reject it ("ent:no:<id>": asks the reason first), validate a rejected one
    after all ("ent:re:<id>") or leave it rejected ("ent:keep:<id>")."""
    parsed = buttons.parse(code)
    verb, entity_id = (parsed.verb, parsed.id) if parsed is not None and parsed.prefix == "ent" else ("", None)
    if not is_staff(conv):
        await refuse(conv, "entity.decide", "entity", entity_id)
        return
    known = verb in ("ok", "no", "re", "keep") and entity_id is not None
    entity = await Entities(conv.session).get(entity_id) if known and entity_id is not None else None
    if entity is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    status = EntityStatus(entity.status)
    if verb in ("ok", "no", "re") and await _registered_by_them(conv, entity):
        return
    if verb == "ok" and status is EntityStatus.rejected:
        await ask_to_validate_after_all(conv, entity)
    elif verb == "ok":
        await decide(conv, entity, EntityStatus.pending, EntityStatus.validated, None)
    elif verb == "no" and status is EntityStatus.pending:
        assert entity.id is not None
        readers = [m for m in await Contacts(conv.session).members_of(entity.id) if not m.blocked]
        await begin(conv, REJECTION, {"$entity_id": entity.id}, text(
            N_("Why is “{entity}” rejected? The person will read the reason you give."), entity=entity.name),
            once=readers_note(readers, conv.deps.default_locale))
    elif verb in ("re", "keep") and status is EntityStatus.pending:  # never shown on one waiting: forged or stale
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
    elif verb == "re":
        await decide(conv, entity, EntityStatus.rejected, EntityStatus.validated, None)
    elif verb == "keep" and status is EntityStatus.rejected:
        conv.say(Reply((text(N_("Nothing changed: “{entity}” stays rejected."), entity=entity.name),)))
    else:
        await already_decided(conv, entity)


async def finish_rejection(conv: Conversation, state: FormState) -> None:
    """Reject the organisation once the reason is written, if it still waits for validation (staff only)."""
    entity_id = int(state.answers["$entity_id"])
    if not is_staff(conv):
        await refuse(conv, "entity.decide", "entity", entity_id)
        return
    entity = await Entities(conv.session).get(entity_id)
    if entity is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    if await _registered_by_them(conv, entity):
        return
    await decide(conv, entity, EntityStatus.pending, EntityStatus.rejected, str(state.answers[COMMENT]))


async def _registered_by_them(conv: Conversation, entity: Entity) -> bool:
    """True (and the staff member refused) when they registered the organisation themselves."""
    assert entity.id is not None
    if await AuditTrail(conv.session).last_actor("entity", entity.id, {"entity.registered"}) != conv.contact.id:
        return False
    await refuse_own(conv, "entity.decide", "entity", entity.id,
                     text(N_("You registered “{entity}” yourself."), entity=entity.name))
    return True


async def already_decided(conv: Conversation, entity: Entity) -> None:
    """Tell a staff member that the organisation is no longer as they saw it, and who decided it."""
    assert entity.id is not None
    who = await decided_by(conv.session, "entity", entity.id, DECISIONS)
    conv.say(Reply((text(N_("“{entity}” was already decided by {person}. Nothing of yours was applied or sent."),
                         entity=entity.name, person=who),)))


async def ask_to_validate_after_all(conv: Conversation, entity: Entity) -> None:
    """Before validating a rejected organisation: who rejected it, when and why, and a button to validate it."""
    assert entity.id is not None
    rejection = await AuditTrail(conv.session).last_entry("entity", entity.id, {"entity.rejected"})
    parts: tuple[Label, ...]
    if rejection is None:  # rejected without a trace in the audit trail (by hand in the database)
        parts = (text(N_("“{entity}” was rejected."), entity=entity.name),)
    else:
        actor_id, at, details = rejection
        actor = await Contacts(conv.session).get(actor_id) if actor_id is not None else None
        when = when_label(at, conv.contact.timezone or conv.deps.timezone)
        parts = (text(N_("“{entity}” was rejected by {person} on {when}."), entity=entity.name,
                      person=staff_member(actor), when=when),)
        if details.get("reason"):
            parts += (text(N_("The reason given: {reason}"), reason=str(details["reason"])),)
    parts += (Text(N_("Validate it now? Its focal points will be told.")),)
    # a copy of the organisation's notice: a colleague validating it first closes it with the others
    conv.say(Reply(parts, ((Button(Text(N_("✅ Yes, validate it")), f"ent:re:{entity.id}"),
                            Button(Text(N_("No, leave it rejected")), f"ent:keep:{entity.id}")),)),
             copy_of=entity_copy_key(entity.id))


async def decide(conv: Conversation, entity: Entity, seen: EntityStatus, status: EntityStatus,
                 reason: str | None) -> None:
    """Record the decision if the organisation is still `seen` (compare-and-set: of two staff deciding at once, the
    second is told who decided and nothing of theirs is applied or sent), audit it, close every staff copy of its
    notice, and tell its members, with the reason of a rejection."""
    assert entity.id is not None
    approved = status is EntityStatus.validated
    if entity.status != seen or not await Entities(conv.session).decide(
            entity, seen, status, conv.now if approved else None):
        await already_decided(conv, entity)
        return
    details = {"reason": reason} if reason else {}
    if seen is EntityStatus.rejected:
        details["after"] = "rejected"
    await audit(conv.session, conv.contact, f"entity.{status.value}", "entity", entity.id, **details)
    done = N_("“{entity}” is validated.") if approved else N_("“{entity}” is rejected.")
    conv.say(Reply((text(done, entity=entity.name),)))
    members = await Contacts(conv.session).members_of(entity.id)
    await close_notices(conv, entity, status, members, again=seen is EntityStatus.rejected)
    if approved:
        news: tuple[Label, ...] = (text(N_("Good news: “{entity}” has been validated by BDT. You can now register "
                                           "pledges."), entity=entity.name),
                                   Text(N_("To register a pledge, send /pledge.")))
    else:
        because = (reason,) if reason else ()
        news = (text(N_("BDT could not validate “{entity}”. The reason:"), entity=entity.name), *because,
                Text(N_("If you think this is a mistake, write to BDT with /ask. To register another organisation, "
                        "send /start.")))
    for member in members:
        # validated after all: the other organisation they began registering, when told it was rejected, is moot
        dropped = (Text(REGISTRATION_DROPPED),) if approved and await drop_registration(conv.session, member) else ()
        await outbox.enqueue(conv.session, member, Reply((*news, *dropped)),
                             f"entity:{entity.id}:{entity.status}:{member.id}", priority=outbox.NOTICE)
    if not members:
        conv.say(Reply((text(N_("Nobody could be told: “{entity}” has no focal point. Invite one with /invite "
                                "{number}."), entity=entity.name, number=Code(str(entity.id))),)))


async def close_notices(conv: Conversation, entity: Entity, status: EntityStatus, members: list[Contact], *,
                        again: bool) -> None:
    """Every staff copy of the organisation's notice loses its decision buttons and says who decided and when; a
    rejected one keeps a button to validate it after all. `again`: a decision on one decided before."""
    assert entity.id is not None
    approved = status is EntityStatus.validated
    footer = N_("✅ Validated by {person} on {when}.") if approved else N_("❌ Rejected by {person} on {when}.")
    kept = () if approved else ((Button(Text(N_("↩️ Validate after all")), f"ent:ok:{entity.id}"),),)
    await close_staff_copies(conv.session, entity_copy_key(entity.id), entity_notice(
        entity, registrant_of(members), decision=False), footer, staff_member(conv.contact), conv.now,
        conv.deps.timezone, kept, stage="reopened" if again else "closed")


REJECTION = Journey(REJECTION_FORM, finish_rejection, may=is_staff_contact)
