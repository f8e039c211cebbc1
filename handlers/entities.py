"""Staff decisions on organisations waiting for validation."""

from __future__ import annotations

from handlers import buttons, outbox
from handlers.conversation import Conversation
from handlers.messages import N_, Label, Reply, Text, text
from handlers.onboarding import entity_copy_key, entity_notice
from handlers.people import audit, decided_by, role_of, staff_member
from handlers.staff_notices import close_staff_copies, person_for_staff
from models.repositories.contacts import Contacts
from models.repositories.entities import Entities
from models.tables import Contact
from models.values import EntityStatus, Role

DECISIONS = frozenset({"entity.validated", "entity.rejected"})
"""The audit actions of a staff decision on an organisation."""


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
    conv.say(Reply((Text(N_("Sorry, you are not allowed to do that.")),)))


def registrant_of(members: list[Contact]) -> Label:
    """Who registered an organisation, as its staff notice names them: its first named focal point, with their
    Telegram id."""
    named = next((m for m in members if m.role == Role.focal_point and m.full_name), None)
    return person_for_staff(named) if named is not None else ""


async def decide_entity(conv: Conversation, code: str) -> None:
    """Validate or reject an organisation (button "ent:ok:<id>" or "ent:no:<id>"), staff only."""
    parsed = buttons.parse(code)
    verdict, entity_id = (parsed.verb, parsed.id) if parsed is not None and parsed.prefix == "ent" else ("", None)
    if not is_staff(conv):
        await refuse(conv, "entity.decide", "entity", entity_id)
        return
    entity = await Entities(conv.session).get(entity_id) if entity_id is not None and verdict in ("ok", "no") else None
    if entity is None:
        conv.say(Reply((Text(N_("That button is no longer valid.")),)))
        return
    approved = verdict == "ok"
    status = EntityStatus.validated if approved else EntityStatus.rejected
    # compare-and-set on the status the staff member saw (only a pending organisation shows the buttons):
    # of two staff deciding at once, the second finds it decided and nothing of theirs is applied or sent
    if entity.status != EntityStatus.pending or not await Entities(conv.session).decide(
            entity, EntityStatus.pending, status, conv.now if approved else None):
        assert entity.id is not None
        who = await decided_by(conv.session, "entity", entity.id, DECISIONS)
        conv.say(Reply((text(N_("“{entity}” was already decided by {person}. Nothing of yours was applied or sent."),
                             entity=entity.name, person=who),)))
        return
    await audit(conv.session, conv.contact, "entity.validated" if approved else "entity.rejected", "entity", entity.id)
    done = N_("“{entity}” is validated.") if approved else N_("“{entity}” is rejected.")
    conv.say(Reply((text(done, entity=entity.name),)))
    assert entity.id is not None
    members = await Contacts(conv.session).members_of(entity.id)
    registrant = registrant_of(members)
    footer = N_("✅ Validated by {person} on {when}.") if approved else N_("❌ Rejected by {person} on {when}.")
    decider = staff_member(conv.contact)
    closed = entity_notice(entity, registrant, decision=False)
    await close_staff_copies(conv.session, entity_copy_key(entity.id), closed, footer, decider, conv.now,
                             conv.deps.timezone)
    news = (N_("Good news: “{entity}” has been validated by BDT. You can now register pledges.") if approved else
            N_("BDT could not validate “{entity}”. If you think this is a mistake, write to BDT with /ask. To "
               "register another organisation, send /start."))
    for member in members:
        await outbox.enqueue(conv.session, member, Reply((text(news, entity=entity.name),)),
                             f"entity:{entity.id}:{entity.status}:{member.id}", priority=outbox.NOTICE)
